import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const STOP_TIMEOUT_MS = 15_000;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  /** What the process has printed so far. */
  readonly out: { readonly stdout: string; readonly stderr: string };
  running(): boolean;
  /** SIGTERM (or the signal given), then the exit, which must come within STOP_TIMEOUT_MS. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  /** SIGKILL if still running (clean-up only). */
  kill(): Promise<void>;
}

/**
 * How to start it: `npm start` minus npm (the default), `npm start` itself, or the production start
 * (`node dist/main.js`, after `npm run build`).
 */
export type StartCommand = 'tsx' | 'npm-start' | 'dist';

const COMMANDS: Record<StartCommand, [string, string[]]> = {
  'tsx': [process.execPath, ['--import', 'tsx', 'src/main.ts']],
  'npm-start': ['npm', ['start', '--silent']],
  'dist': [process.execPath, ['dist/main.js']],
};

/**
 * The real server, `npm start` minus npm: `node --import tsx src/main.ts` with only the given
 * environment plus what Node needs to run (never the parent's DATABASE_URL and the like).
 */
export function spawnServer(env: Record<string, string>, command: StartCommand = 'tsx'): ServerProcess {
  const [file, args] = COMMANDS[command];
  const child = spawn(file, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { out.stdout += chunk; });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { out.stderr += chunk; });
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child, exited, out, running,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`the server did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}`)), STOP_TIMEOUT_MS);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill: async () => {
      if (!running()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
