import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // Node (and so Pothos and Yoga, loaded natively) resolves graphql to its CommonJS build; Vite would
  // pick the .mjs one for our sources. Two copies of graphql cannot share a schema: pin the one Node uses.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    include: ['test/**/*.test.ts'],
    // Finds Chromium and Redis once; a test that needs a missing one is skipped with a printed line.
    globalSetup: ['test/helpers/global-setup.ts'],
    // Many tests start a fresh app (a new database, migrations, an RSA-3072 key): on two busy cores that can take
    // tens of seconds. A limit, not a speed assertion.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one worker per core but one: a single worker on two cores, though most of a test's time
    // is spent waiting (PostgreSQL, Chromium, argon2id on libuv's pool). Two halve the suite's length there.
    maxWorkers: 2,
  },
});
