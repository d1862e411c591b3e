/**
 * `npm run bench:console`: how long the admin console takes to show a 30-day usage chart of one key in a
 * usage table of a million rows (issue 21 asks under a second on this machine). Prints the numbers; asserts
 * only that the chart shows what the database holds.
 *
 * A throw-away PostgreSQL database (BENCH_DATABASE_URL's server, default the local one) gets 1,000,000 minute
 * rows: the measured key has every minute of the last 30 days (43,200 rows), 999 other keys share the rest,
 * and the hourly and daily rollups are written as the flush writes them. Chromium signs in as an admin and
 * opens the key's page at hour and day resolution (30 days) and at minute resolution (24 hours); each is
 * timed from the navigation to the drawn chart, and uPlot's own drawing is reported separately.
 */
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import pino from 'pino';
import { bootstrapAdmin } from '../src/accounts/bootstrap-admin.ts';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { createHttpServer } from '../src/http/server.ts';
import { launchChromiumAt } from '../test/helpers/browser.ts';
import { findChromium } from '../test/helpers/global-setup.ts';

const ROWS = 1_000_000;
const MINUTES = 30 * 1440;
const ADMIN = { email: 'chart-admin@example.com', password: 'a long enough admin passphrase' };

async function main(): Promise<void> {
  const server = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const name = `lk_console_chart_${process.pid}`;
  const root = postgres(server.href, { max: 1, onnotice: () => {} });
  await root.unsafe(`create database ${name}`);
  const url = new URL(server.href);
  url.pathname = `/${name}`;
  const http = createHttpServer((_req, res) => res.end());
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  const loaded = loadConfig({ DATABASE_URL: url.href, PUBLIC_URL: `http://localhost:${port}`, PORT: String(port), USAGE_FLUSH_SECONDS: '300' });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const database = await openDatabase(loaded.config.database);
  await applyMigrations(loaded.config.database, database);
  const app = await createApp(loaded.config, database, pino({ level: 'silent' }));
  http.removeAllListeners('request');
  http.on('request', app.yoga);
  const sql = postgres(url.href, { max: 1, onnotice: () => {} });
  try {
    await bootstrapAdmin(database, ADMIN);
    const seedStart = Date.now();
    const [owner] = await sql<{ id: string }[]>`select id from users where email = ${ADMIN.email}`;
    const [key] = await sql<{ id: string }[]>`insert into api_keys (owner_id, name, hash, start, environment)
      values (${owner!.id}, 'measured', 'measured-hash', 'sk_live_meas', 'live') returning id`;
    await sql`insert into api_keys (owner_id, name, hash, start, environment)
      select ${owner!.id}, 'other ' || i, 'other-hash-' || i, 'sk_live_othr', 'live' from generate_series(1, 999) i`;
    await sql`insert into api_key_usage (key_id, start, requests, rate_limited, errors)
      select ${key!.id}, date_trunc('minute', now()) - m * interval '1 minute', 20 + (m % 37), m % 3, m % 5
      from generate_series(0, ${MINUTES - 1}) m`;
    const perOther = Math.ceil((ROWS - MINUTES) / 999);
    await sql`insert into api_key_usage (key_id, start, requests, rate_limited, errors)
      select k.id, date_trunc('minute', now()) - (m * 45) * interval '1 minute', 1 + (m % 50), 0, 0
      from (select id from api_keys where name like 'other %') k, generate_series(0, ${perOther - 1}) m`;
    for (const [table, unit] of [['api_key_usage_hourly', 'hour'], ['api_key_usage_daily', 'day']] as const) {
      await sql`insert into ${sql(table)} (key_id, start, requests, rate_limited, errors)
        select key_id, date_trunc(${unit}, start, 'UTC'), sum(requests), sum(rate_limited), sum(errors) from api_key_usage group by 1, 2`;
    }
    await sql`analyze`;
    const [{ rows } = { rows: 0 }] = await sql<{ rows: number }[]>`select count(*)::int as rows from api_key_usage`;
    const [{ keyRows, requests } = { keyRows: 0, requests: 0 }] = await sql<{ keyRows: number; requests: number }[]>`
      select count(*)::int as "keyRows", sum(requests)::int as requests from api_key_usage
      where key_id = ${key!.id} and start >= date_trunc('day', now() - interval '30 days', 'UTC')`;
    console.log(`seeded ${rows.toLocaleString('en')} usage rows in ${((Date.now() - seedStart) / 1000).toFixed(1)} s; the key has ${keyRows.toLocaleString('en')} of them`);

    const chromium = await findChromium(process.env.LATCHKEY_CHROMIUM, process.env.PATH);
    if (!chromium.found) throw new Error(`no Chromium: ${chromium.reason}`);
    const browser = await launchChromiumAt(chromium.path, chromium.env);
    try {
      const page = await (await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } })).newPage();
      await page.goto(`http://localhost:${port}/admin`);
      await page.getByLabel('Email').fill(ADMIN.email);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForSelector('body[data-ready=true]');
      for (const [period, granularity] of [['30d', 'HOUR'], ['30d', 'DAY'], ['24h', 'MINUTE'], ['30d', 'HOUR']] as const) {
        const started = Date.now();
        await page.goto(`http://localhost:${port}/admin/keys/${key!.id}?period=${period}&granularity=${granularity}`);
        await page.waitForSelector('body[data-ready=true]');
        const total = Date.now() - started;
        const drawn = await page.locator('.chart-figure').getAttribute('data-drawn-ms');
        const shown = Number((await page.locator('[data-stat="requests"]').innerText()).replace(/[^\d]/g, ''));
        console.log(`${period} per ${granularity.toLowerCase()}: page with chart in ${total} ms (uPlot drew in ${drawn} ms), ${shown.toLocaleString('en')} requests shown`);
        if (period === '30d' && granularity === 'DAY' && shown < requests * 0.9) throw new Error(`the chart shows ${shown}, the database holds ${requests}`);
      }
    } finally {
      await browser.close();
    }
  } finally {
    await sql.end();
    await app.close();
    await database.close();
    http.close();
    await root.unsafe(`drop database ${name} with (force)`);
    await root.end();
  }
}

await main();
