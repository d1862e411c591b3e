/** Clean-up: everything started registers how to undo itself; it runs once, on success, failure or signal. */

const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;

export function onCleanup(step: () => Promise<void>): void {
  cleanups.push(step);
}

export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`bench: clean-up step failed: ${String(error)}\n`);
      }
    }
  })();
  return cleaning;
}

/** Runs `main`, then always cleans up; Ctrl-C and SIGTERM clean up too. */
export function runMain(main: () => Promise<number | void>): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, cleaning up...\n`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
  main().then(
    async (code) => {
      await cleanUp();
      process.exit(code ?? 0);
    },
    async (error: unknown) => {
      process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      await cleanUp();
      process.exit(1);
    },
  );
}
