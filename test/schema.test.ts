import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import {
  isEnumType, isInputObjectType, isInterfaceType, isObjectType, isSpecifiedScalarType,
  type GraphQLNamedType,
} from 'graphql';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { printedSchema, SCHEMA_FILE } from '../src/graphql/print.ts';
import { buildSchema } from '../src/graphql/schema.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONTRACT_CHECK = resolve(ROOT, '..', 'shared', 'contract', 'check.mjs');
const PENDING_FILE = join(ROOT, 'test', 'contract-pending.txt');
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

describe('the public contract', () => {
  let broken: string[];
  let pending: string[];

  beforeAll(() => {
    if (!existsSync(CONTRACT_CHECK)) {
      throw new Error(`The contract checker is missing: expected ${CONTRACT_CHECK} (the shared/ folder beside the repository).`);
    }
    const run = spawnSync(process.execPath, [CONTRACT_CHECK, 'schema.graphql'], { cwd: ROOT, encoding: 'utf8' });
    const output = `${run.stdout}${run.stderr}`;
    broken = run.stdout.split('\n').filter((line) => line.startsWith('broken: ')).map((line) => line.slice('broken: '.length));
    const summary = broken.length === 0 ? 'contract holds' : `${broken.length} breaking differences from the contract`;
    if (run.status !== (broken.length === 0 ? 0 : 1) || !run.stdout.includes(summary)) {
      throw new Error(`The contract checker did not run cleanly (exit ${run.status}):\n${output}`);
    }
    pending = readFileSync(PENDING_FILE, 'utf8').split('\n').map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
  });

  it('is broken nowhere but where test/contract-pending.txt says', () => {
    const unlisted = broken.filter((difference) => !pending.includes(difference));
    expect(unlisted, 'new breaking differences from the contract: fix the schema (not the list)').toEqual([]);
  });

  it('is broken everywhere test/contract-pending.txt says', () => {
    const gone = pending.filter((difference) => !broken.includes(difference));
    expect(gone, 'gone but still listed: remove it from test/contract-pending.txt').toEqual([]);
  });

  it('lists each pending difference once', () => {
    expect(pending.filter((difference, index) => pending.indexOf(difference) !== index)).toEqual([]);
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
        cwd: ROOT,
        schema: relative(ROOT, SCHEMA_FILE),
        documents: [`${relative(ROOT, documents)}/*.graphql`],
        generates: {
          [`${relative(ROOT, GENERATED_DIR)}/`]: {
            preset: 'client',
            presetConfig: { fragmentMasking: false },
            config: { useTypeImports: true, importExtension: '.ts' },
          },
        },
        silent: true,
        errorsOnly: true,
      }, false);
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
