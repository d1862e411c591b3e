import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * Who holds a DATA_DIR: the process id, and its start time as the kernel counts it (so that a pid reused by
 * an unrelated process after a crash does not look like the holder).
 */
interface Holder {
  readonly pid: number;
  readonly startTime: string | null;
  readonly host: string;
}

export const LOCK_FILE = 'latchkey.lock';

/** Thrown when another live process holds the folder; its message is one line for the operator. */
export class DataDirLocked extends Error {
  constructor(readonly dataDir: string, readonly holderPid: number) {
    super(`the embedded database in ${dataDir} is in use by another latchkey process (pid ${holderPid}); stop it first, or set another DATA_DIR`);
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

/**
 * Takes the embedded database's folder for this process. PGlite is a single-process database: two servers
 * writing one folder each keep their own copy in memory and the last to stop overwrites the other's data.
 * The lock file is created with O_EXCL semantics (link(2) of a complete temporary file, so it is never seen
 * half-written); a lock left by a process that is gone (a crash, SIGKILL) is replaced atomically by rename(2)
 * after a second look, so two processes taking over the same stale lock cannot both win.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const lockPath = join(dataDir, LOCK_FILE);
  const me: Holder = { pid: process.pid, startTime: startTimeOf(process.pid), host: hostname() };
  const mine = `${lockPath}.${process.pid}.${randomBytes(6).toString('hex')}`;
  await writeFile(mine, JSON.stringify(me));
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(mine, lockPath);
        return { release: () => releaseIfMine(lockPath, me) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readHolder(lockPath);
      if (holder !== null && isAlive(holder)) throw new DataDirLocked(dataDir, holder.pid);
      // Stale (or unreadable: a lock is written whole, so that is not a live holder's). Take it over only if it
      // is still the same stale lock: the claim file is exclusive, so one taker at a time.
      const claim = `${lockPath}.takeover`;
      try {
        await link(mine, claim);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        await clearAbandonedClaim(claim);
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      try {
        const again = await readHolder(lockPath);
        if (again === null ? holder === null : holder !== null && sameHolder(again, holder)) {
          await rename(claim, lockPath);
          return { release: () => releaseIfMine(lockPath, me) };
        }
      } finally {
        await unlink(claim).catch(() => {});
      }
    }
    throw new Error(`could not take the lock ${lockPath}`);
  } finally {
    await unlink(mine).catch(() => {});
  }
}

async function releaseIfMine(lockPath: string, me: Holder): Promise<void> {
  const holder = await readHolder(lockPath);
  if (holder !== null && sameHolder(holder, me)) await unlink(lockPath).catch(() => {});
}

async function readHolder(lockPath: string): Promise<Holder | null> {
  try {
    const parsed = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<Holder>;
    if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return null;
    return { pid: parsed.pid, startTime: typeof parsed.startTime === 'string' ? parsed.startTime : null, host: String(parsed.host ?? '') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

/** A takeover claim is held for milliseconds; one whose process is gone was abandoned mid-takeover. */
async function clearAbandonedClaim(claim: string): Promise<void> {
  const holder = await readHolder(claim);
  if (holder !== null && !isAlive(holder)) await unlink(claim).catch(() => {});
}

function sameHolder(a: Holder, b: Holder): boolean {
  return a.pid === b.pid && a.startTime === b.startTime && a.host === b.host;
}

function isAlive(holder: Holder): boolean {
  // Another machine's process (a shared volume) cannot be checked from here: treat it as alive.
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return holder.startTime === startTimeOf(process.pid);
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const startTime = startTimeOf(holder.pid);
  return holder.startTime === null || startTime === null || startTime === holder.startTime;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot) on Linux; null elsewhere. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
