import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The console as the browser loads it: one script and one stylesheet. */
export interface ConsoleAssets {
  readonly script: string;
  readonly stylesheet: string;
}

const require = createRequire(import.meta.url);
// From source (`npm start`, tsx) the entry is TypeScript; from `npm run build`'s dist it is the compiled JavaScript.
const ENTRY = ['./web/main.ts', './web/main.js'].map((path) => fileURLToPath(new URL(path, import.meta.url))).find((path) => existsSync(path));
const STYLESHEET = fileURLToPath(new URL('./web/console.css', import.meta.url));

let assets: Promise<ConsoleAssets> | undefined;

/**
 * Bundles the console once per process, in memory, the first time /admin is asked for (about 100 ms):
 * its TypeScript modules and uPlot from node_modules become one minified ES module, so `npm start`
 * needs no build step and nothing is fetched from another origin.
 */
export function consoleAssets(): Promise<ConsoleAssets> {
  assets ??= bundle().catch((error: unknown) => {
    assets = undefined;
    throw error;
  });
  return assets;
}

async function bundle(): Promise<ConsoleAssets> {
  if (ENTRY === undefined) throw new Error('the admin console\'s sources are missing (src/console/web/main.ts)');
  const result = await build({
    entryPoints: [ENTRY], bundle: true, format: 'esm', minify: true, target: 'es2022', platform: 'browser',
    write: false, legalComments: 'none', logLevel: 'silent',
  });
  const script = result.outputFiles[0]?.text;
  if (script === undefined) throw new Error('esbuild produced no console script');
  const chartStyles = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  return { script, stylesheet: `${chartStyles}\n${readFileSync(STYLESHEET, 'utf8')}` };
}
