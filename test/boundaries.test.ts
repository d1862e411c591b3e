import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const CAPABILITIES = ['accounts', 'sessions', 'tokens', 'apikeys', 'oauth', 'federation', 'audit', 'mail', 'factors'];
/** Aggregates every capability's tables for drizzle-kit and the typed client. */
const TABLES_AGGREGATE = 'db/schema.ts';

interface SourceFile {
  /** Relative to src/, with forward slashes: `sessions/refresh.ts`. */
  readonly path: string;
  readonly text: string;
}

function sourceFiles(folder = SRC): SourceFile[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    if (!/\.(ts|mts|cts|js|mjs)$/.test(entry.name)) return [];
    return [{ path: toSrcPath(full), text: readFileSync(full, 'utf8') }];
  });
}

function toSrcPath(full: string): string {
  return relative(SRC, full).split(sep).join('/');
}

/** Every `from '…'`, `import '…'` and `import('…')` of a file (type-only imports included), as written. */
function specifiersOf(file: SourceFile): string[] {
  return [...file.text.matchAll(/\b(?:from|import)\s*\(?\s*(['"])([^'"\n]+)\1/g)].map((match) => match[2]!);
}

/** The files of src/ that a file imports, relative to src/. */
function importsOf(file: SourceFile): string[] {
  return specifiersOf(file)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => toSrcPath(resolve(SRC, dirname(file.path), specifier)));
}

/** The capability whose private tables a src/-relative path names, if it does. */
function tablesOwner(path: string): string | undefined {
  const match = /^([^/]+)\/tables(?:\.[cm]?[jt]s)?$/.exec(path);
  return match !== null && CAPABILITIES.includes(match[1]!) ? match[1] : undefined;
}

/** Where a file reads process.env (as code: comments and strings do not count), as `path:line`. */
function processEnvReads(file: SourceFile): string[] {
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true);
  const reads: string[] = [];
  const isProcess = (node: ts.Node) =>
    (ts.isIdentifier(node) && node.text === 'process')
    || (ts.isPropertyAccessExpression(node) && node.name.text === 'process');
  const visit = (node: ts.Node): void => {
    const readsEnv =
      (ts.isPropertyAccessExpression(node) && node.name.text === 'env' && isProcess(node.expression))
      || (ts.isElementAccessExpression(node) && isProcess(node.expression)
        && ts.isStringLiteralLike(node.argumentExpression) && node.argumentExpression.text === 'env')
      || (ts.isVariableDeclaration(node) && node.initializer !== undefined && isProcess(node.initializer)
        && ts.isObjectBindingPattern(node.name)
        && node.name.elements.some((element) => (element.propertyName ?? element.name).getText(source) === 'env'));
    if (readsEnv) reads.push(`${file.path}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return reads;
}

describe('the boundaries between capabilities', () => {
  const files = sourceFiles();

  it('finds the sources and reads their imports', () => {
    const aggregate = files.find((file) => file.path === TABLES_AGGREGATE);
    expect(aggregate).toBeDefined();
    expect(importsOf(aggregate!)).toContain('accounts/tables.ts');
  });

  it("keep each capability's tables.ts private to it (src/db/schema.ts aside)", () => {
    const trespasses = files.flatMap((file) => importsOf(file)
      .filter((target) => {
        const owner = tablesOwner(target);
        return owner !== undefined && !file.path.startsWith(`${owner}/`) && file.path !== TABLES_AGGREGATE;
      })
      .map((target) => `${file.path} imports ${target}`));
    expect(trespasses).toEqual([]);
  });

  it('keep capabilities from reaching all tables through src/db/schema.ts', () => {
    const trespasses = files
      .filter((file) => CAPABILITIES.includes(file.path.split('/')[0]!))
      .flatMap((file) => importsOf(file).filter((target) => target === TABLES_AGGREGATE).map((target) => `${file.path} imports ${target}`));
    expect(trespasses).toEqual([]);
  });
});

/**
 * The edges: where a request arrives and an answer leaves. Only they may know GraphQL or HTTP; everything
 * else (use cases, stores, errors) is plain TypeScript that a job, a page or a test can call (ARCHITECTURE.md).
 */
function isEdge(path: string): boolean {
  const [folder] = path.split('/');
  return ['graphql', 'http', 'observability', 'pages', 'console'].includes(folder!)
    || ['app.ts', 'context.ts', 'main.ts'].includes(path)
    || /(^|\/)([a-z]+-)*graphql\.ts$/.test(path)
    || /(^|\/)routes\.ts$|-route\.ts$/.test(path);
}

/** Whether an import specifier names GraphQL or the HTTP layer (a package, src/graphql/ or src/http/). */
function isGraphqlOrHttp(specifier: string, target: string | undefined): boolean {
  if (target !== undefined) return target.startsWith('graphql/') || target.startsWith('http/');
  return /^(graphql|graphql-yoga|@graphql-yoga\/.*|@pothos\/.*)$/.test(specifier);
}

describe('the edges', () => {
  const files = sourceFiles();

  it('alone import GraphQL, graphql-yoga, src/graphql/ or src/http/', () => {
    const trespasses = files.filter((file) => !isEdge(file.path)).flatMap((file) => specifiersOf(file)
      .filter((specifier) => {
        const target = specifier.startsWith('.') ? toSrcPath(resolve(SRC, dirname(file.path), specifier)) : undefined;
        return isGraphqlOrHttp(specifier, target);
      })
      .map((specifier) => `${file.path} imports ${specifier}`));
    expect(trespasses).toEqual([]);
  });

  it('keep src/errors.ts, the domain errors, free of any import', () => {
    const errors = files.find((file) => file.path === 'errors.ts');
    expect(errors).toBeDefined();
    expect(specifiersOf(errors!)).toEqual([]);
  });

  it('turn a credential into a Viewer in one module, src/http/authenticate.ts (bearer, API key and cookie side by side)', () => {
    const makers = files.filter((file) => /(?<!readonly )credential: '(ACCESS_TOKEN|API_KEY|SESSION_COOKIE)',/.test(file.text)).map((file) => file.path);
    expect(makers).toEqual(['http/authenticate.ts']);
  });

  it('recognise an edge and a use case', () => {
    expect(isEdge('accounts/graphql.ts')).toBe(true);
    expect(isEdge('accounts/password-reset-graphql.ts')).toBe(true);
    expect(isEdge('oauth/routes.ts')).toBe(true);
    expect(isEdge('pages/reset-password.ts')).toBe(true);
    expect(isEdge('accounts/sign-up.ts')).toBe(false);
    expect(isEdge('oauth/token.ts')).toBe(false);
    expect(isGraphqlOrHttp('graphql', undefined)).toBe(true);
    expect(isGraphqlOrHttp('./graphql/builder.ts', 'graphql/builder.ts')).toBe(true);
    expect(isGraphqlOrHttp('./errors.ts', 'errors.ts')).toBe(false);
  });
});

/** The strongly connected groups of more than one file (or a file importing itself): Tarjan's algorithm. */
function importCycles(files: readonly SourceFile[]): string[][] {
  const graph = new Map(files.map((file) => [file.path, importsOf(file)]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1 || graph.get(node)!.includes(node)) cycles.push(group.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

describe('the dependencies', () => {
  const files = sourceFiles();

  it('form no import cycle, type-only imports included', () => {
    expect(importCycles(files)).toEqual([]);
  });

  it('find a cycle when there is one', () => {
    const a = { path: 'a.ts', text: "import { b } from './b.ts';" };
    const b = { path: 'b.ts', text: "import type { A } from './a.ts';" };
    expect(importCycles([a, b])).toEqual([['a.ts', 'b.ts']]);
  });

  it('bring Services (src/services.ts) to the edges only; use cases take what they use', () => {
    const takers = files.filter((file) => importsOf(file).includes('services.ts') && !isEdge(file.path)).map((file) => file.path);
    expect(takers).toEqual([]);
  });

  it('keep the GraphQL Context (src/context.ts) at the edges: a use case takes its dependencies and plain input', () => {
    const takers = files.filter((file) => importsOf(file).includes('context.ts') && !isEdge(file.path)).map((file) => file.path);
    expect(takers).toEqual([]);
  });
});

describe('ARCHITECTURE.md', () => {
  const text = readFileSync(fileURLToPath(new URL('../ARCHITECTURE.md', import.meta.url)), 'utf8');

  it('places every folder of src/ among its parts', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(folders.filter((folder) => !text.includes(`\`${folder}/\``))).toEqual([]);
  });

  it('states the Services rule without exceptions, as the test above checks it', () => {
    expect(text).toContain('No use case takes `Services` or the GraphQL `Context`');
    expect(text).not.toMatch(/use cases\s+still take/);
  });
});

describe('the configuration', () => {
  it('is read from process.env by src/main.ts alone (everything else gets the Config of loadConfig)', () => {
    const reads = sourceFiles().flatMap(processEnvReads);
    expect(reads.some((read) => read.startsWith('main.ts:'))).toBe(true);
    expect(reads.filter((read) => !read.startsWith('main.ts:'))).toEqual([]);
  });
});
