import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { CREATE_KEY } from '../helpers/apikeys.ts';
import { freshDatabase } from '../helpers/database.ts';
import { freePort, spawnServer, type ServerProcess, type StartCommand } from '../helpers/server-process.ts';
import { PASSWORD, SIGN_UP, uniqueEmail } from '../helpers/users.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 150_000;
type OnFinished = (cleanup: () => void | Promise<void>) => void;

/** Every process whose parent chain leads to `root` (Linux /proc), the root included. */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parents) if (parent === tree[i] && !tree.includes(pid)) tree.push(pid);
  }
  return tree;
}

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return state.slice(state.lastIndexOf(')') + 2, state.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Where the data lives for one test: a fresh PostgreSQL database (TEST_DATABASE_URL) or a new DATA_DIR. */
async function storage(onFinished: OnFinished): Promise<{ env: Record<string, string>; config: DatabaseConfig }> {
  const fresh = await freshDatabase();
  onFinished(() => fresh.drop());
  if (fresh.config.kind === 'postgres') return { env: { DATABASE_URL: fresh.config.url }, config: fresh.config };
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-start-'));
  onFinished(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  return { env: { DATA_DIR: dataDir }, config: { kind: 'pglite', dataDir } };
}

async function waitForServing(server: ServerProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!server.out.stdout.includes('"msg":"serving"')) {
    if (!server.running()) throw new Error(`the server exited before serving:\n${server.out.stderr}`);
    if (Date.now() > deadline) throw new Error(`not serving within ${START_TIMEOUT_MS} ms:\n${server.out.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function gql(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

/**
 * Starts the server with `command`, makes `requests` requests with a new API key (usage is flushed only at
 * shutdown: USAGE_FLUSH_SECONDS is 300), sends `signal` to the command's own process, and returns what an
 * operator would check: the exit, which processes are left, and the usage written.
 */
async function startUseAndStop(onFinished: OnFinished, command: StartCommand, signal: NodeJS.Signals, requests: number) {
  const { env, config } = await storage(onFinished);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnServer({ ...env, PORT: String(port), USAGE_FLUSH_SECONDS: '300' }, command);
  let tree = [server.child.pid!];
  onFinished(async () => {
    for (const pid of tree) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await server.kill();
  });
  await waitForServing(server);
  tree = processTree(server.child.pid!);

  const signUp = await gql(url, SIGN_UP, { input: { email: uniqueEmail('start'), password: PASSWORD } });
  const bearer = signUp.data.signUp.tokens.accessToken as string;
  const created = await gql(url, CREATE_KEY, { input: { name: 'counted' } }, { authorization: `Bearer ${bearer}` });
  const key = created.data.createApiKey as { secret: string; apiKey: { id: string } };
  for (let i = 0; i < requests; i++) {
    const answer = await gql(url, '{ viewer { credential } }', {}, { 'x-api-key': key.secret });
    expect(answer).toEqual({ data: { viewer: { credential: 'API_KEY' } } });
  }

  const exit = await server.stop(signal);
  const left = tree.filter(alive);

  const database = await openDatabase(config);
  try {
    const [row] = await database.rows<{ requests: number }>(
      sql`select coalesce(sum(requests), 0)::int as requests from api_key_usage where key_id = ${key.apiKey.id}`);
    return { exit, tree, left, written: row!.requests, stderr: server.out.stderr };
  } finally {
    await database.close();
  }
}

describe('starting and stopping the server as an operator does', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) it(`\`npm start\` stops on ${signal} sent to npm: exit 0, no process left, usage written`, async ({ onTestFinished }) => {
    const run = await startUseAndStop(onTestFinished, 'npm-start', signal, 7);
    expect(run.exit).toEqual({ code: 0, signal: null });
    expect(run.left).toEqual([]);
    expect(run.written).toBe(7);
    expect(run.stderr).toBe('');
  }, 180_000);

  it('`npm run build` compiles to dist/, and `node dist/main.js` serves with no tsx, stops on SIGTERM, writes usage', async ({ onTestFinished }) => {
    await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: ROOT, timeout: 300_000 });
    const run = await startUseAndStop(onTestFinished, 'dist', 'SIGTERM', 5);
    expect(run.tree).toHaveLength(1); // node itself: no npm, no tsx, no loader process
    expect(run.exit).toEqual({ code: 0, signal: null });
    expect(run.left).toEqual([]);
    expect(run.written).toBe(5);
    expect(run.stderr).toBe('');
  }, 480_000);
});
