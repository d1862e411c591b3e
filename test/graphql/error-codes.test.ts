import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isEnumType, isObjectType, type GraphQLEnumType } from 'graphql';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { generate } from '../../client/codegen.ts';
import { ERROR_CODES } from '../../src/errors.ts';
import { SCHEMA_FILE } from '../../src/graphql/print.ts';
import { buildSchema } from '../../src/graphql/schema.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SRC = join(ROOT, 'src');
const OUT = join(ROOT, 'test', '.codegen', 'error-codes');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The code each `class … extends AppError` in src/ declares, by class name. */
function declaredCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/class (\w+) extends AppError \{[^}]*?readonly code = '(\w+)'/g)) codes.set(match[1]!, match[2]!);
  }
  return codes;
}

describe('error codes', () => {
  it('are an enum in the schema: Error.code and every error type\'s code, each value described', () => {
    const schema = buildSchema();
    const errorCode = schema.getType('ErrorCode') as GraphQLEnumType;
    expect(isEnumType(errorCode)).toBe(true);
    expect(errorCode.getValues().map((value) => value.name).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const value of errorCode.getValues()) expect(value.description, value.name).toBeTruthy();
    const implementers = schema.getImplementations(schema.getType('Error') as never).objects;
    expect(implementers.length).toBeGreaterThanOrEqual(8);
    for (const type of [schema.getType('Error'), ...implementers]) {
      expect(String((type as { getFields: () => Record<string, { type: unknown }> }).getFields().code!.type), type!.name).toBe('ErrorCode!');
    }
    const verification = schema.getType('ApiKeyVerification');
    expect(isObjectType(verification) && String(verification.getFields().code!.type)).toBe('ApiKeyVerificationCode');
  });

  it('are each declared by exactly the AppError classes, and no code is left without one', () => {
    const declared = declaredCodes();
    expect(declared.size).toBeGreaterThanOrEqual(8);
    // The type system keeps a class from declaring a code missing from ERROR_CODES; this keeps the enum from listing a dead one.
    expect([...new Set(declared.values())].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('let a generated client switch over them exhaustively under strict, read TOKENS tokens without `!`, and refuse a typo', async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    const documents = join(OUT, 'login.graphql');
    writeFileSync(documents, `mutation Login($input: LoginInput!) {
      login(input: $input) {
        __typename
        ... on AuthPayload { session { id expiresAt } }
        ... on TokenAuthPayload { tokens { accessToken refreshToken } }
        ... on Error { code message }
      }
    }`);
    const outputs = await generate({
      schema: relative(ROOT, SCHEMA_FILE),
      documents: [relative(ROOT, documents)],
      output: `${relative(ROOT, join(OUT, 'gql'))}/`,
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, importExtension: '.ts', enumsAsTypes: true, scalars: { DateTime: 'string' } },
    }, ROOT);
    for (const output of outputs) {
      mkdirSync(dirname(resolve(ROOT, output.filename)), { recursive: true });
      writeFileSync(resolve(ROOT, output.filename), output.content);
    }
    const cases = Object.keys(ERROR_CODES).map((code) => `      case '${code}': return '${code.toLowerCase()}';`).join('\n');
    const usage = (extraCase: string) => `import type { LoginMutation } from './gql/graphql.ts';
export function outcome(result: LoginMutation['login']): string {
  switch (result.__typename) {
    case 'TokenAuthPayload': return result.tokens.accessToken + result.session.expiresAt;
    case 'CookieAuthPayload': return result.session.id;
    default: switch (result.code) {
${cases}
${extraCase}
      default: { const unreachable: never = result.code; return unreachable; }
    }
  }
}
`;
    const good = join(OUT, 'usage.ts');
    const typo = join(OUT, 'typo.ts');
    writeFileSync(good, usage(''));
    writeFileSync(typo, usage("      case 'INVALID_CREDENTIAL': return 'typo';"));
    const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, ROOT);
    const program = ts.createProgram([good, typo], { ...options, strict: true, noEmit: true, skipLibCheck: true });
    const problems = (file: string) => ts.getPreEmitDiagnostics(program, program.getSourceFile(file))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems(good)).toEqual([]);
    expect(problems(typo).join('\n')).toMatch(/INVALID_CREDENTIAL/);
  }, 180_000);
});
