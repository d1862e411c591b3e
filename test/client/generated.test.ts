import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import config, { generate } from '../../client/codegen.ts';
import { FAILURE_CODES, REQUEST_ERROR_CODES } from '../../client/src/index.ts';
import type * as ClientModule from '../../client/src/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRATCH = join(ROOT, 'test', '.codegen', 'client');
/** The client's entry as the scratch files under SCRATCH import it. */
const CLIENT_ENTRY = relative(SCRATCH, join(ROOT, 'client', 'src', 'index.ts')).split(sep).join('/');

describe('the generated client', () => {
  it('is what client/codegen.ts generates from schema.graphql now (run npm run client:generate when this fails)', async () => {
    const outputs = await generate(config, ROOT);
    expect(outputs.map((output) => relative(ROOT, resolve(ROOT, output.filename))).sort()).toEqual([
      'client/src/gql/gql.ts', 'client/src/gql/graphql.ts', 'client/src/gql/index.ts', 'client/src/gql/persisted-documents.json',
    ]);
    for (const output of outputs) {
      expect(readFileSync(resolve(ROOT, output.filename), 'utf8'), output.filename).toBe(output.content);
    }
  }, 60_000);

  it('builds as its own package: JavaScript and declarations from client/tsconfig.json', async () => {
    const outDir = join(SCRATCH, `dist-${process.pid}`);
    const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'client', 'tsconfig.json'), { outDir }, {
      ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); },
    })!;
    try {
      const program = ts.createProgram(parsed.fileNames, parsed.options);
      const emitted = program.emit();
      const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(diagnostics).toEqual([]);
      // Relative imports are rewritten to .js, so the package runs in Node and in browsers as it is.
      expect(readFileSync(join(outDir, 'index.js'), 'utf8')).toContain('from "./client.js"');
      expect(readFileSync(join(outDir, 'index.d.ts'), 'utf8')).toContain('LatchkeyClient');
      const built = await import(pathToFileURL(join(outDir, 'index.js')).href) as typeof ClientModule;
      expect(new built.LatchkeyClient({ url: 'http://localhost/graphql' }).tokens).toBeNull();
      expect(built.ViewerDocument.__meta__?.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 60_000);

  describe('under strict TypeScript', () => {
    const exhaustive = (codes: readonly string[]) => `
      import type { LatchkeyError, Result } from '${CLIENT_ENTRY}';
      export function explain(error: LatchkeyError): string {
        const code = error.code;
        switch (code) {
          ${codes.map((code) => `case '${code}':`).join('\n')}
            return error.message;
          default: {
            const unhandled: never = code;
            return unhandled;
          }
        }
      }
      export function tokensOf(result: Result<{ tokens: { accessToken: string } }>): string | null {
        return result.ok ? result.data.tokens.accessToken : explain(result.error);
      }`;

    function diagnosticsOf(source: string): string[] {
      mkdirSync(SCRATCH, { recursive: true });
      const file = join(SCRATCH, `switch-${process.pid}-${Math.random().toString(36).slice(2)}.ts`);
      writeFileSync(file, source);
      try {
        const { config: tsconfig } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
        const { options } = ts.convertCompilerOptionsFromJson(tsconfig.compilerOptions, ROOT);
        const program = ts.createProgram([file], { ...options, strict: true, noEmit: true });
        return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      } finally {
        rmSync(file, { force: true });
      }
    }

    const allCodes = [...new Set<string>([...FAILURE_CODES, ...REQUEST_ERROR_CODES, 'NETWORK_ERROR'])];

    it('compile a switch over every error code of both channels', () => {
      expect(diagnosticsOf(exhaustive(allCodes))).toEqual([]);
    }, 60_000);

    it('refuse a switch that forgets a code, and one with a code that does not exist', () => {
      expect(diagnosticsOf(exhaustive(allCodes.filter((code) => code !== 'INVALID_CREDENTIALS'))).join('\n'))
        .toContain('Type \'"INVALID_CREDENTIALS"\' is not assignable to type \'never\'');
      expect(diagnosticsOf(exhaustive([...allCodes, 'INVALID_CREDENTIAL'])).join('\n')).toContain('"INVALID_CREDENTIAL"');
    }, 60_000);
  });
});
