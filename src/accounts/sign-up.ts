import type { SignInBudget } from './sign-in-budget.ts';
import { recordAuditEvent } from '../audit/record.ts';
import type { RequestMeta } from '../audit/record.ts';
import type { Database } from '../db/client.ts';
import { EmailTakenError, ValidationError } from '../errors.ts';
import { normalizeEmail } from './email.ts';
import { hashPassword, passwordProblem } from './password.ts';
import { users } from './tables.ts';
import { toUserRecord, type UserRecord } from './users.ts';

/** What this use case needs of the app's long-lived parts (the edges pass their Services). */
interface SignUpDeps {
  readonly database: Database;
  readonly signInBudget: SignInBudget;
}

export interface SignUpInput {
  readonly email: string;
  readonly password: string;
  readonly name?: string | null;
  readonly roles?: readonly string[];
  readonly emailVerified?: boolean;
}

export const NAME_MAX_LENGTH = 100;

/** Checks a sign-up; returns the normalized email and name, or throws a ValidationError naming the field. */
function validateSignUp(input: SignUpInput): { email: string; name: string | null } {
  const email = normalizeEmail(input.email);
  if (email === null) throw new ValidationError('That is not an email address.', 'email');
  const problem = passwordProblem(input.password, email);
  if (problem !== null) throw new ValidationError(problem, 'password');
  const name = input.name?.trim() || null;
  if (name !== null && (name.length > NAME_MAX_LENGTH || /\p{Cc}/u.test(name))) {
    throw new ValidationError(`The name must have at most ${NAME_MAX_LENGTH} characters and no control characters.`, 'name');
  }
  return { email, name };
}

/** Creates an account. The email is unique whatever its case: a second sign-up gets EmailTakenError. */
export async function signUp(database: Database, input: SignUpInput): Promise<UserRecord> {
  const { email, name } = validateSignUp(input);
  const passwordHash = await hashPassword(input.password);
  const [row] = await database.db.insert(users).values({
    email, name, passwordHash, roles: [...(input.roles ?? [])], emailVerified: input.emailVerified ?? false,
  }).onConflictDoNothing().returning();
  if (row === undefined) throw new EmailTakenError();
  return toUserRecord(row);
}

/**
 * The signUp use case, for the mutation and the sign-in page's "Create one" alike: checks the input,
 * takes from the client address's login budget (a sign-up tests whether an address has an account),
 * gives it back once the account is made, and records user.signed_up. The caller decides how to sign in.
 */
export async function createAccount(
  services: SignUpDeps, input: SignUpInput, meta: RequestMeta,
): Promise<UserRecord> {
  validateSignUp(input);
  await services.signInBudget.take(meta.ip);
  const user = await signUp(services.database, input);
  await services.signInBudget.giveBack(meta.ip);
  await recordAuditEvent(services.database, { type: 'user.signed_up', userId: user.id, ip: meta.ip, userAgent: meta.userAgent, detail: null });
  return user;
}
