import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { DatabaseConfig } from '../config.ts';
import { DataDirLocked, lockDataDir, type DataDirLock } from './data-dir-lock.ts';
import { inClientSpan, traceThenable } from '../observability/spans.ts';
import * as schema from './schema.ts';

type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** One database, whichever engine: the Drizzle client plus what Drizzle does not cover. */
export interface Database {
  readonly kind: DatabaseConfig['kind'];
  readonly db: Db;
  /**
   * Runs raw SQL and returns its rows, the same shape on both engines. `prepare` keeps the statement
   * parsed and planned on each PostgreSQL connection: only for hot statements whose text never varies.
   */
  rows<T>(query: SQL, options?: { readonly prepare?: boolean }): Promise<T[]>;
  ping(): Promise<void>;
  /** Subscribes to a NOTIFY channel; resolves once listening. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<void>;
  notify(channel: string, payload: string): Promise<void>;
  /** What the connections are doing now, for the metrics. */
  poolUse(): PoolUse;
  close(): Promise<void>;
}

/** A snapshot of the connection pool's use. */
export interface PoolUse {
  /** Connections the pool may open; PGlite has one session, on which statements take turns. */
  readonly max: number;
  /** Statements sent outside a transaction and not yet answered, including those waiting for a connection. */
  readonly statements: number;
  /** Transactions begun and not yet ended (each holds a connection), including those waiting for one. */
  readonly transactions: number;
}

/** Mutable in-flight counts behind `poolUse()`. */
interface InFlight {
  statements: number;
  transactions: number;
  /** True while postgres.js's `begin` sends its BEGIN. */
  beginning?: boolean;
}

/** Thrown when the database cannot be reached; its message is one line for the operator. */
export class DatabaseUnavailable extends Error {}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  return config.kind === 'postgres' ? openPostgres(config.url) : openPglite(config.dataDir);
}

const POSTGRES_MAX_CONNECTIONS = 10;

async function openPostgres(url: string): Promise<Database> {
  const inFlight: InFlight = { statements: 0, transactions: 0 };
  const client = countTransactions(traceStatements(postgres(url, { max: POSTGRES_MAX_CONNECTIONS, connect_timeout: 5, onnotice: () => {} }), inFlight), inFlight);
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  const dialect = new PgDialect();
  const database: Database = {
    kind: 'postgres',
    db,
    rows: async <T>(query: SQL, options?: { readonly prepare?: boolean }) => {
      // Drizzle runs raw SQL as an unnamed statement, parsed and planned anew each time.
      if (options?.prepare !== true) return [...((await db.execute(query)) as unknown as T[])];
      const { sql: text, params } = dialect.sqlToQuery(query);
      return [...((await client.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as T[])];
    },
    ping: async () => {
      await client`select 1`;
    },
    listen: async (channel, onMessage) => {
      await client.listen(channel, onMessage);
    },
    notify: async (channel, payload) => {
      await client`select pg_notify(${channel}, ${payload})`;
    },
    poolUse: () => ({ max: POSTGRES_MAX_CONNECTIONS, statements: inFlight.statements, transactions: inFlight.transactions }),
    close: () => client.end({ timeout: 5 }),
  };
  try {
    await database.ping();
  } catch (error) {
    await client.end({ timeout: 0 }).catch(() => {});
    throw new DatabaseUnavailable(`cannot reach PostgreSQL at ${describeUrl(url)}: ${reason(error)}`);
  }
  return database;
}

async function openPglite(dataDir: string): Promise<Database> {
  let lock: DataDirLock | null = null;
  let client: PGlite;
  try {
    if (dataDir !== 'memory://') lock = await lockDataDir(dataDir);
    client = await PGlite.create(dataDir === 'memory://' ? undefined : dataDir);
  } catch (error) {
    await lock?.release();
    if (error instanceof DataDirLocked) throw new DatabaseUnavailable(error.message);
    throw new DatabaseUnavailable(`cannot open the embedded database in ${dataDir}: ${reason(error)}`);
  }
  const inFlight: InFlight = { statements: 0, transactions: 0 };
  const query = client.query.bind(client);
  client.query = ((text: string, ...rest: unknown[]) => whileCounted(inFlight, 'statements', () =>
    inClientSpan(statementName(text), { 'db.system.name': 'postgresql', 'db.query.text': text }, () => (query as (...args: unknown[]) => Promise<unknown>)(text, ...rest)))) as typeof client.query;
  const transaction = client.transaction.bind(client);
  client.transaction = ((fn: Parameters<PGlite['transaction']>[0]) => whileCounted(inFlight, 'transactions', () => transaction(fn))) as typeof client.transaction;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    rows: async <T>(query: SQL) => ((await db.execute(query)) as unknown as { rows: T[] }).rows,
    ping: async () => {
      await client.query('select 1');
    },
    listen: async (channel, onMessage) => {
      await client.listen(channel, onMessage);
    },
    notify: async (channel, payload) => {
      await db.execute(sql`select pg_notify(${channel}, ${payload})`);
    },
    poolUse: () => ({ max: 1, statements: inFlight.statements, transactions: inFlight.transactions }),
    close: async () => {
      await client.close();
      await lock?.release();
    },
  };
}

/**
 * Every statement Drizzle and `rows` send (through `unsafe`) reports a span when tracing is on, and is
 * counted in flight from its start (postgres.js runs a query when it is awaited) until it settles.
 */
function traceStatements(client: postgres.Sql, inFlight: InFlight): postgres.Sql {
  const unsafe = client.unsafe.bind(client);
  client.unsafe = ((text: string, ...rest: unknown[]) => {
    const traced = traceThenable(
      (unsafe as (...args: unknown[]) => PromiseLike<unknown>)(text, ...rest), statementName(text),
      { 'db.system.name': 'postgresql', 'db.query.text': text },
    );
    return inFlight.beginning ? traced : countThenable(traced, inFlight);
  }) as typeof client.unsafe;
  return client;
}

/** Drizzle's transactions (`begin`) are counted while open; their statements run on the transaction's own client. */
function countTransactions(client: postgres.Sql, inFlight: InFlight): postgres.Sql {
  const begin = client.begin.bind(client) as (...args: unknown[]) => Promise<unknown>;
  client.begin = ((...args: unknown[]) => whileCounted(inFlight, 'transactions', () => {
    // postgres.js sends its BEGIN through `unsafe`, synchronously within `begin`: part of the transaction, not a statement of its own.
    inFlight.beginning = true;
    try {
      return begin(...args);
    } finally {
      inFlight.beginning = false;
    }
  })) as typeof client.begin;
  return client;
}

function countThenable<T extends PromiseLike<unknown>>(pending: T, inFlight: InFlight): T {
  const then = pending.then;
  let started: Promise<unknown> | undefined;
  Object.defineProperty(pending, 'then', {
    configurable: true,
    value(onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) {
      started ??= whileCounted(inFlight, 'statements', () => new Promise((resolve, reject) => void then.call(pending, resolve, reject)));
      return started.then(onFulfilled, onRejected);
    },
  });
  return pending;
}

async function whileCounted<T>(inFlight: InFlight, kind: keyof InFlight, run: () => Promise<T>): Promise<T> {
  inFlight[kind]++;
  try {
    return await run();
  } finally {
    inFlight[kind]--;
  }
}

/** A span's name: the statement's first keyword (select, insert…), as OpenTelemetry's database conventions suggest. */
function statementName(text: string): string {
  return /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase() ?? 'statement';
}

/** host:port/database of a URL, never its password. */
export function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
