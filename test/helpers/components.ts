import { describe, inject, it } from 'vitest';

/**
 * What the machine offers the suite, found once per run by test/helpers/global-setup.ts. A test that
 * needs a missing component is skipped, with one line printed at the start of the run naming it and the
 * command that brings it; with LATCHKEY_REQUIRE_ALL=1 (set by .ci/run) it fails instead.
 */
export interface Components {
  /** The Chromium that launchChromium() starts, or why there is none. */
  readonly chromium: Found;
  /** A Redis server answering on 127.0.0.1:6379. */
  readonly redis: Found;
  /** The redis-server program, for tests that start and stop a Redis of their own. */
  readonly redisServer: Found;
}

export type Found =
  | { readonly found: true; readonly path: string; readonly source: string; readonly env?: Record<string, string> }
  | { readonly found: false; readonly reason: string; readonly enable: string };

declare module 'vitest' {
  export interface ProvidedContext {
    components: Components;
  }
}

export const REQUIRE_ALL_VARIABLE = 'LATCHKEY_REQUIRE_ALL';

/** Whether a missing component fails the run instead of skipping its tests. */
export function requireAll(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[REQUIRE_ALL_VARIABLE] === '1' || env[REQUIRE_ALL_VARIABLE] === 'true';
}

export function components(): Components {
  const provided = inject('components');
  if (provided === undefined) throw new Error('test/helpers/global-setup.ts did not run: start tests with vitest (npm test)');
  return provided;
}

/** The line printed for a missing component: what is skipped and the one command that enables it. */
export function skipLine(what: string, missing: Extract<Found, { found: false }>): string {
  return `skipped: ${what}: ${missing.reason}; enable with: ${missing.enable}`;
}

/**
 * A describe block that runs when `component` was found; else skipped, or under LATCHKEY_REQUIRE_ALL=1
 * one failing test that says what is missing.
 */
export function describeWhen(component: Found, name: string, body: () => void): void {
  if (component.found) {
    describe(name, body);
  } else if (requireAll()) {
    describe(name, () => {
      it(`has what it needs (${REQUIRE_ALL_VARIABLE}=1)`, () => {
        throw new Error(`missing for "${name}": ${component.reason}; enable with: ${component.enable}`);
      });
    });
  } else {
    describe.skip(name, body);
  }
}
