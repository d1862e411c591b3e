import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  isEnumType, isInputObjectType, isInterfaceType, isObjectType, isSpecifiedScalarType,
  type GraphQLNamedType,
} from 'graphql';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { generate } from '../client/codegen.ts';
import { diffCommittedSchema, diffSchemas, parsePending, reportSchemaDiff } from '../src/graphql/breaking-changes.ts';
import { printedSchema, SCHEMA_FILE } from '../src/graphql/print.ts';
import { buildSchema } from '../src/graphql/schema.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CODEGEN_DIR = join(ROOT, 'test', '.codegen');
const GENERATED_DIR = join(CODEGEN_DIR, 'gql');

describe('the printed schema', () => {
  it('is what schema.graphql holds (run npm run schema:print when this fails)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printedSchema());
  });

  it('describes every type, field, argument, input field and enum value', () => {
    const undescribed: string[] = [];
    const need = (what: string, description: string | null | undefined) => {
      if (description === null || description === undefined || description.trim() === '') undescribed.push(what);
    };
    for (const type of Object.values(buildSchema().getTypeMap()) as GraphQLNamedType[]) {
      if (type.name.startsWith('__') || isSpecifiedScalarType(type)) continue;
      need(type.name, type.description);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          need(`${type.name}.${field.name}`, field.description);
          for (const arg of field.args) need(`${type.name}.${field.name}(${arg.name})`, arg.description);
        }
      } else if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) need(`${type.name}.${field.name}`, field.description);
      } else if (isEnumType(type)) {
        for (const value of type.getValues()) need(`${type.name}.${value.name}`, value.description);
      }
    }
    expect(undescribed).toEqual([]);
  });
});

describe('the released schema (test/contract/baseline.graphql)', () => {
  const diff = diffCommittedSchema();

  it('is broken nowhere but where test/contract-pending.txt says', () => {
    expect(diff.unlisted, 'breaking changes not listed as intended: fix the schema (or list them)').toEqual([]);
  });

  it('is broken everywhere test/contract-pending.txt says', () => {
    expect(diff.gone, 'gone but still listed: remove it from test/contract-pending.txt').toEqual([]);
  });

  it('lists each pending difference once', () => {
    expect(diff.duplicated).toEqual([]);
  });

  it('is what npm run schema:diff checks, with the same verdict', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/graphql/breaking-changes.ts'], { cwd: ROOT, encoding: 'utf8' });
    const { ok, lines } = reportSchemaDiff(diff);
    expect({ status: run.status, lines: run.stdout.trimEnd().split('\n') }).toEqual({ status: ok ? 0 : 1, lines });
  });
});

describe('the breaking-change check', () => {
  const baseline = 'type Query {\n  "a"\n  a: String\n  "b"\n  b(x: Int): String\n}\n';

  it('passes an additive change', () => {
    const diff = diffSchemas(baseline, baseline.replace('}', '  "c"\n  c: Int\n}'), []);
    expect(diff).toEqual({ broken: [], dangerous: [], unlisted: [], gone: [], duplicated: [] });
  });

  it('fails a removed field unless listed, in the words of findBreakingChanges', () => {
    const current = baseline.replace('  "a"\n  a: String\n', '');
    expect(diffSchemas(baseline, current, []).unlisted).toEqual(['Query.a was removed.']);
    expect(diffSchemas(baseline, current, ['broken: Query.a was removed.']).unlisted).toEqual([]);
    expect(reportSchemaDiff(diffSchemas(baseline, current, [])).ok).toBe(false);
    expect(reportSchemaDiff(diffSchemas(baseline, current, [])).lines[0]).toBe('broken: Query.a was removed.');
  });

  it('fails a listed change that no longer happens, and a line listed twice', () => {
    const diff = diffSchemas(baseline, baseline, parsePending('# intended\nbroken: Query.a was removed.\nbroken: Query.a was removed.\n'));
    expect(diff.gone).toEqual(['broken: Query.a was removed.', 'broken: Query.a was removed.']);
    expect(diff.duplicated).toEqual(['broken: Query.a was removed.']);
    expect(reportSchemaDiff(diff).ok).toBe(false);
  });

  it('reads pending lines only in the printed `broken: …` form', () => {
    const current = baseline.replace('  "a"\n  a: String\n', '');
    expect(diffSchemas(baseline, current, parsePending('broken: Query.a was removed.\n')).unlisted).toEqual([]);
    expect(diffSchemas(baseline, current, parsePending('Query.a was removed.\n')).unlisted).toEqual(['Query.a was removed.']);
  });

  it('lists a dangerous change without failing on it', () => {
    const diff = diffSchemas(baseline, baseline.replace('b(x: Int)', 'b(x: Int, y: Int)'), []);
    expect(diff.dangerous).toEqual(['An optional arg y on Query.b was added.']);
    expect(reportSchemaDiff(diff).ok).toBe(true);
  });
});

describe("the README's operations", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const operations = [...readme.matchAll(/^```graphql\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);

  it('are at least four', () => {
    expect(operations.length).toBeGreaterThanOrEqual(4);
  });

  it('generate client types that type-check under strict settings', async () => {
    mkdirSync(CODEGEN_DIR, { recursive: true });
    rmSync(GENERATED_DIR, { recursive: true, force: true });
    const documents = mkdtempSync(join(CODEGEN_DIR, 'readme-'));
    let outputs: { filename: string; content: string }[];
    try {
      operations.forEach((operation, index) => writeFileSync(join(documents, `operation-${index}.graphql`), operation));
      outputs = await generate({
        schema: relative(ROOT, SCHEMA_FILE),
        documents: [relative(ROOT, documents)],
        output: `${relative(ROOT, GENERATED_DIR)}/`,
        presetConfig: { fragmentMasking: false },
        config: { useTypeImports: true, importExtension: '.ts' },
      }, ROOT);
      for (const output of outputs) {
        const file = resolve(ROOT, output.filename);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, output.content);
      }
    } finally {
      rmSync(documents, { recursive: true, force: true });
    }

    const graphqlFile = join(GENERATED_DIR, 'graphql.ts');
    expect(readFileSync(graphqlFile, 'utf8')).toContain('SignUpMutation');

    const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, ROOT);
    const files = outputs.map((output) => resolve(ROOT, output.filename)).filter((file) => file.endsWith('.ts'));
    expect(files).toContain(graphqlFile);
    const program = ts.createProgram(files, { ...options, strict: true, noEmit: true, skipLibCheck: true });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const where = diagnostic.file === undefined ? '' : `${relative(ROOT, diagnostic.file.fileName)}: `;
      return `${where}${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
    expect(diagnostics).toEqual([]);
  }, 60_000);
});
