import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirLocked, LOCK_FILE, lockDataDir } from '../../src/db/data-dir-lock.ts';
import { freePort, spawnServer, type ServerProcess } from '../helpers/server-process.ts';

const START_TIMEOUT_MS = 150_000;
type OnFinished = (cleanup: () => void | Promise<void>) => void;

async function newDataDir(onFinished: OnFinished): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-lock-'));
  onFinished(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'data');
}

async function startOn(onFinished: OnFinished, dataDir: string): Promise<{ server: ServerProcess; url: string }> {
  const port = await freePort();
  const server = spawnServer({ DATA_DIR: dataDir, PORT: String(port) });
  onFinished(() => server.kill());
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!server.out.stdout.includes('"msg":"serving"')) {
    if (!server.running()) throw new Error(`exited before serving:\n${server.out.stderr}`);
    if (Date.now() > deadline) throw new Error(`not serving within ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { server, url: `http://127.0.0.1:${port}` };
}

describe('the embedded database folder (DATA_DIR) is held by one process', () => {
  it('a second server on the same DATA_DIR exits 1 with one line naming the folder and the other pid; the first serves on', async ({ onTestFinished }) => {
    const dataDir = await newDataDir(onTestFinished);
    const first = await startOn(onTestFinished, dataDir);

    const second = spawnServer({ DATA_DIR: dataDir, PORT: String(await freePort()) });
    onTestFinished(() => second.kill());
    expect(await second.exited).toEqual({ code: 1, signal: null });
    const lines = second.out.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toEqual([
      `latchkey: the embedded database in ${dataDir} is in use by another latchkey process (pid ${first.server.child.pid}); stop it first, or set another DATA_DIR`,
    ]);
    expect(second.out.stdout).not.toContain('"msg":"serving"');

    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    expect(await first.server.stop()).toEqual({ code: 0, signal: null });
    // A clean stop leaves no lock behind.
    await expect(readFile(join(dataDir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 180_000);

  it('a lock left by a killed server is taken over at the next start', async ({ onTestFinished }) => {
    const dataDir = await newDataDir(onTestFinished);
    const crashed = await startOn(onTestFinished, dataDir);
    await crashed.server.kill();
    expect(JSON.parse(await readFile(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: crashed.server.child.pid });

    const next = await startOn(onTestFinished, dataDir);
    expect(JSON.parse(await readFile(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: next.server.child.pid });
    expect((await fetch(`${next.url}/readyz`)).status).toBe(200);
    expect(await next.server.stop()).toEqual({ code: 0, signal: null });
  }, 180_000);

  it('a lock naming a live pid that now belongs to another process (pid reused after a crash) is taken over', async ({ onTestFinished }) => {
    const dataDir = await newDataDir(onTestFinished);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.pid, startTime: '1', host: hostname() }));
    const lock = await lockDataDir(dataDir);
    expect(JSON.parse(await readFile(join(dataDir, LOCK_FILE), 'utf8'))).not.toMatchObject({ startTime: '1' });
    await lock.release();
  });

  it('of two takers of one stale lock, exactly one wins', async ({ onTestFinished }) => {
    const dataDir = await newDataDir(onTestFinished);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dataDir, { recursive: true });
    // No process has pid 2^22 + 1 (above Linux's pid_max), so this holder is gone.
    await writeFile(join(dataDir, LOCK_FILE), JSON.stringify({ pid: 4_194_305, startTime: '1', host: hostname() }));
    const results = await Promise.allSettled([lockDataDir(dataDir), lockDataDir(dataDir)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(DataDirLocked);
    expect((refused?.reason as DataDirLocked).holderPid).toBe(process.pid);
    await (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
  });
});
