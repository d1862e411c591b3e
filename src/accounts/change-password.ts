import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { InvalidCredentialsError, ValidationError } from '../errors.ts';
import { claimAttempt } from './login.ts';
import { hashPassword, passwordProblem, verifyPassword } from './password.ts';
import { users } from './tables.ts';
import type { SignInBudget } from './sign-in-budget.ts';

export interface ChangePasswordInput {
  readonly userId: string;
  readonly currentPassword: string;
  readonly newPassword: string;
  readonly ip: string;
}

/**
 * Replaces a password after checking the current one, throttled like a login. The caller ends the
 * account's other sessions.
 */
export async function changePassword(database: Database, budget: SignInBudget, input: ChangePasswordInput): Promise<void> {
  const [current] = await database.db.select({ email: users.email }).from(users).where(eq(users.id, input.userId));
  if (current === undefined) throw new InvalidCredentialsError();
  const problem = passwordProblem(input.newPassword, current.email);
  if (problem !== null) throw new ValidationError(problem, 'newPassword');
  await budget.take(input.ip);
  const user = await claimAttempt(database, current.email);
  if (user?.passwordHash == null || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new InvalidCredentialsError();
  }
  await budget.giveBack(input.ip);
  await database.db.update(users)
    .set({ passwordHash: await hashPassword(input.newPassword), failedLogins: 0, lastFailedLoginAt: null })
    .where(eq(users.id, input.userId));
}
