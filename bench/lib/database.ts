/** The throw-away PostgreSQL database each benchmark runs on. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { onCleanup } from './cleanup.ts';

export async function createBenchDatabase(): Promise<{ url: string; name: string; serverVersion: string }> {
  const serverUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `latchkey_bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  let serverVersion: string;
  try {
    const [row] = await admin.unsafe<{ server_version: string }[]>('show server_version');
    serverVersion = row?.server_version ?? 'unknown';
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  onCleanup(async () => {
    const dropper = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    try {
      await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      process.stderr.write(`bench: dropped database ${name}\n`);
    } finally {
      await dropper.end({ timeout: 1 });
    }
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.href, name, serverVersion };
}
