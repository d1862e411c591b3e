// Runs once before the suite (vitest.config.ts): finds Chromium and Redis for every test file, so that
// a file never has to look for them, and prints one line for each one missing.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import type { TestProject } from 'vitest/node';
import { launchChromiumAt } from './browser.ts';
import { requireAll, skipLine, type Components, type Found } from './components.ts';
import { generateSigningKeyPairs } from './signing-keys.ts';

/** Chromium builds installed on the machine, tried in this order after the bundled one. */
const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', 'chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];
const ENABLE_CHROMIUM = 'sudo apt-get install -y chromium';
const ENABLE_REDIS_SERVER = 'sudo apt-get install -y redis-server';
const ENABLE_REDIS = `${ENABLE_REDIS_SERVER} && redis-server --daemonize yes --save '' --appendonly no`;

export default async function setup(project: TestProject): Promise<void> {
  const env = process.env;
  const found: Components = {
    chromium: await findChromium(env.LATCHKEY_CHROMIUM, env.PATH),
    redis: await findRedis(),
    redisServer: findRedisServer(env.PATH),
  };
  const what: Record<keyof Components, string> = {
    chromium: 'browser tests',
    redis: 'tests that need Redis on 127.0.0.1:6379',
    redisServer: 'tests that start redis-server',
  };
  for (const key of Object.keys(found) as (keyof Components)[]) {
    const component = found[key];
    if (component.found) continue;
    const line = skipLine(what[key], component);
    console.log(requireAll(env) ? `${line} (LATCHKEY_REQUIRE_ALL: they fail instead)` : line);
  }
  project.provide('components', found);
  // Signing keys for every fresh test app of the run (test/helpers/signing-keys.ts).
  project.provide('signingKeyPairs', await generateSigningKeyPairs());
}

/**
 * LATCHKEY_CHROMIUM picks one: `bundled` (the @sparticuz/chromium build npm install brings), `system`
 * (one installed on the machine), `none`, or a path; unset, the bundled one first, then the machine's.
 * A candidate counts only once it has started and stopped.
 */
export async function findChromium(choice: string | undefined, path: string | undefined): Promise<Found> {
  const candidates: { source: string; locate: () => Promise<Located | null> }[] = [];
  if (choice === undefined || choice === '' || choice === 'bundled') candidates.push({ source: '@sparticuz/chromium', locate: bundledChromium });
  if (choice === undefined || choice === '' || choice === 'system') {
    for (const name of SYSTEM_CHROMIUMS) candidates.push({ source: name, locate: async () => located(onPath(name, path)) });
  }
  if (choice !== undefined && !['', 'bundled', 'system', 'none'].includes(choice)) {
    candidates.push({ source: 'LATCHKEY_CHROMIUM', locate: async () => located(onPath(choice, path)) });
  }
  const tried: string[] = [];
  for (const candidate of candidates) {
    let executable: Located | null;
    try {
      executable = await candidate.locate();
    } catch (error) {
      tried.push(`${candidate.source}: ${firstLine(error)}`);
      continue;
    }
    if (executable === null) continue;
    try {
      const browser = await launchChromiumAt(executable.path, executable.env);
      await browser.close();
      return { found: true, source: candidate.source, ...executable };
    } catch (error) {
      tried.push(`${executable.path} did not start: ${firstLine(error)}`);
    }
  }
  const reason = choice === 'none'
    ? 'LATCHKEY_CHROMIUM=none'
    : `no Chromium found${tried.length > 0 ? ` (${tried.join('; ')})` : ''}`;
  return { found: false, reason, enable: ENABLE_CHROMIUM };
}

/**
 * The Chromium inside the @sparticuz/chromium package, unpacked to the temporary folder on first use,
 * with the NSS libraries the package ships beside it (a bare Debian has none), found through
 * LD_LIBRARY_PATH as the package itself does on AWS Lambda.
 */
async function bundledChromium(): Promise<Located> {
  const { default: bundled } = await import('@sparticuz/chromium');
  const executable = await bundled.executablePath();
  const libraries = join(tmpdir(), 'latchkey-chromium-libs');
  if (!existsSync(join(libraries, 'lib', 'libnss3.so'))) {
    const packageDir = dirname(dirname(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium'))));
    const archive = brotliDecompressSync(readFileSync(join(packageDir, 'bin', 'al2023.tar.br')));
    const unpacking = `${libraries}.${process.pid}`;
    mkdirSync(unpacking, { recursive: true });
    const tar = spawnSync('tar', ['-x', '-C', unpacking], { input: archive });
    if (tar.status !== 0) throw new Error(`cannot unpack the bundled libraries: ${tar.stderr.toString().trim()}`);
    rmSync(libraries, { recursive: true, force: true });
    renameSync(unpacking, libraries);
  }
  const inherited = process.env.LD_LIBRARY_PATH;
  return { path: executable, env: { LD_LIBRARY_PATH: [join(libraries, 'lib'), ...(inherited ? [inherited] : [])].join(delimiter) } };
}

interface Located {
  readonly path: string;
  readonly env?: Record<string, string>;
}

const located = (path: string | null): Located | null => (path === null ? null : { path });

/** A Redis answering PING on 127.0.0.1:6379 within a second. */
async function findRedis(): Promise<Found> {
  const answered = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 6379 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
  return answered
    ? { found: true, path: '127.0.0.1:6379', source: 'redis' }
    : { found: false, reason: 'no Redis answers on 127.0.0.1:6379', enable: ENABLE_REDIS };
}

function findRedisServer(path: string | undefined): Found {
  const executable = onPath('redis-server', path);
  return executable === null
    ? { found: false, reason: 'redis-server is not on the PATH', enable: ENABLE_REDIS_SERVER }
    : { found: true, path: executable, source: 'PATH' };
}

/** An absolute path if executable, else the first executable of that name on the PATH. */
function onPath(name: string, path: string | undefined): string | null {
  const candidates = isAbsolute(name) ? [name] : (path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
