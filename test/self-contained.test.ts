import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * A fresh clone stands alone (issue 22): no source, test, benchmark, CI script or config names a path
 * above the repository root, such as a folder beside it.
 */
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const FOLDERS = ['src', 'test', 'bench', '.ci'];
const ROOT_FILES = ['package.json', 'vitest.config.ts', 'drizzle.config.ts', 'tsconfig.json'];
const SCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs', '.cjs']);
const SKIPPED_FOLDERS = new Set(['node_modules', '.codegen']);

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (SKIPPED_FOLDERS.has(name)) return [];
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const escapes = (path: string, root: string) => {
  const inside = relative(root, path);
  return inside === '..' || inside.startsWith(`..${sep}`);
};
const looksRelative = (text: string) => text === '..' || text.startsWith('../') || text.startsWith('./');
const isPathCall = (node: ts.CallExpression) => {
  const callee = node.expression;
  const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
  return name === 'resolve' || name === 'join';
};

/**
 * Paths that a TypeScript or JavaScript file names above `root`: module specifiers and
 * `new URL(…, import.meta.url)` from the file's own folder; `path.resolve/join(base, '..', …)` from the
 * root when the base is named like it (ROOT), else from the file's folder; any other relative string
 * from the root, where npm, vitest and the scripts run.
 */
export function pathsAboveRoot(file: string, source: string, root: string): string[] {
  const found: string[] = [];
  const here = dirname(file);
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const outside = [`${dirname(root)}${sep}`];
  const check = (text: string, base: string) => {
    if (looksRelative(text) && escapes(resolve(base, text), root)) found.push(text);
    else if (outside.some((prefix) => text.startsWith(prefix)) && escapes(text, root)) found.push(text);
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      check(node.moduleSpecifier.text, here);
      return;
    }
    if (ts.isNewExpression(node) && node.arguments?.length === 2 && ts.isIdentifier(node.expression) && node.expression.text === 'URL') {
      const [target, base] = node.arguments;
      if (ts.isStringLiteralLike(target!) && base!.getText(sourceFile) === 'import.meta.url') {
        check(target.text, here);
        return;
      }
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [target] = node.arguments;
      if (target && ts.isStringLiteralLike(target)) check(target.text, here);
      return;
    }
    if (ts.isCallExpression(node) && isPathCall(node) && node.arguments.length > 1 && !ts.isStringLiteralLike(node.arguments[0]!)) {
      const [base, ...rest] = node.arguments;
      const literals = rest.every(ts.isStringLiteralLike) ? rest.map((argument) => (argument as ts.StringLiteralLike).text) : [];
      if (literals.length > 0) {
        const from = /root/i.test(base!.getText(sourceFile)) ? root : here;
        const joined = literals.join('/');
        if (escapes(resolve(from, joined), root)) found.push(`${base!.getText(sourceFile)}, ${literals.map((l) => `'${l}'`).join(', ')}`);
        return;
      }
    }
    // Elsewhere only a string that names something below the dots counts: '..' alone is a comparison.
    if (ts.isStringLiteralLike(node) && (/^(\.{1,2}\/)+[^/\s]/.test(node.text) || isAbsolute(node.text))) check(node.text, root);
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** Paths that any other text file (a shell script, JSON, a list) names above `root`, read from the root. */
export function pathsAboveRootInText(source: string, root: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?<![\w.$}/)-])\.\.(?:\/[\w.@-]*)*/g)) {
    if (escapes(resolve(root, match[0]), root)) found.push(match[0]);
  }
  const parent = `${dirname(root)}${sep}`;
  for (const match of source.matchAll(/\/[\w.@/-]+/g)) {
    if (match[0].startsWith(parent) && escapes(match[0], root)) found.push(match[0]);
  }
  return found;
}

function scan(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return SCRIPT_EXTENSIONS.has(extname(file)) ? pathsAboveRoot(file, source, ROOT) : pathsAboveRootInText(source, ROOT);
}

describe('the repository', () => {
  it('names no path above its root in src/, test/, bench/, .ci/ or its configuration', () => {
    const files = [...FOLDERS.flatMap((folder) => filesUnder(join(ROOT, folder))), ...ROOT_FILES.map((name) => join(ROOT, name))];
    expect(files.length).toBeGreaterThan(100);
    const named = files.flatMap((file) => scan(file).map((path) => `${relative(ROOT, file)}: ${path}`));
    expect(named).toEqual([]);
  });

  it('is checked by a scanner that finds such paths', () => {
    const up = '.'.repeat(2);
    const file = join(ROOT, 'test', 'x.test.ts');
    const parent = dirname(ROOT);
    const cases: [string, string[]][] = [
      [`import a from '${up}/src/app.ts';`, []],
      [`import a from '${up}/${up}/shared/a.ts';`, [`${up}/${up}/shared/a.ts`]],
      [`const c = resolve(ROOT, '${up}', 'shared', 'check.mjs');`, [`ROOT, '${up}', 'shared', 'check.mjs'`]],
      [`const c = join(ROOT, 'test', 'a.txt');`, []],
      [`const u = new URL('${up}/${up}/x', import.meta.url);`, [`${up}/${up}/x`]],
      [`const u = new URL('${up}', import.meta.url);`, []],
      [`spawnSync('node', ['${up}/shared/check.mjs']);`, [`${up}/shared/check.mjs`]],
      [`readFileSync('${parent}${sep}shared${sep}x');`, [`${parent}${sep}shared${sep}x`]],
    ];
    for (const [source, expected] of cases) expect(pathsAboveRoot(file, source, ROOT), source).toEqual(expected);
    expect(pathsAboveRootInText(`cd "$(dirname "$0")/${up}"\nnode ${up}/shared/contract/check.mjs`, ROOT)).toEqual([`${up}/shared/contract/check.mjs`]);
  });
});
