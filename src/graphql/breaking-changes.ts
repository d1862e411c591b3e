// `npm run schema:diff`: compares schema.graphql with the released schema (test/contract/baseline.graphql)
// and fails on a breaking change that test/contract-pending.txt does not list as intended, or on a listed
// one that is gone. At a release, copy schema.graphql over the baseline and empty the list.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, findBreakingChanges, findDangerousChanges } from 'graphql';
import { SCHEMA_FILE } from './print.ts';

export const BASELINE_FILE = fileURLToPath(new URL('../../test/contract/baseline.graphql', import.meta.url));
export const PENDING_FILE = fileURLToPath(new URL('../../test/contract-pending.txt', import.meta.url));

export interface SchemaDiff {
  /** findBreakingChanges(baseline, current) descriptions, as `broken: …` lines print them. */
  readonly broken: readonly string[];
  /** findDangerousChanges(baseline, current) descriptions: allowed, but listed. */
  readonly dangerous: readonly string[];
  /** Breaking changes that the pending list does not name: each one fails the check. */
  readonly unlisted: readonly string[];
  /** Pending lines that name no breaking change (any more): each one fails the check (delete its line). */
  readonly gone: readonly string[];
  /** Lines listed more than once. */
  readonly duplicated: readonly string[];
}

const BROKEN = 'broken: ';

/**
 * The intended breaking changes: one `broken: <findBreakingChanges description>` line each, exactly as
 * `npm run schema:diff` (and the shared contract check) prints it; `#` starts a comment line.
 */
export function parsePending(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

/** Compares two SDL texts with graphql's own findBreakingChanges and findDangerousChanges. */
export function diffSchemas(baselineSdl: string, currentSdl: string, pending: readonly string[]): SchemaDiff {
  const baseline = buildSchema(baselineSdl);
  const current = buildSchema(currentSdl);
  const broken = findBreakingChanges(baseline, current).map((change) => change.description);
  const dangerous = findDangerousChanges(baseline, current).map((change) => change.description);
  return {
    broken,
    dangerous,
    unlisted: broken.filter((description) => !pending.includes(BROKEN + description)),
    gone: pending.filter((line) => !broken.some((description) => line === BROKEN + description)),
    duplicated: pending.filter((line, index) => pending.indexOf(line) !== index),
  };
}

/** The committed files' diff: schema.graphql against the baseline, with the pending list. */
export function diffCommittedSchema(): SchemaDiff {
  return diffSchemas(
    readFileSync(BASELINE_FILE, 'utf8'),
    readFileSync(SCHEMA_FILE, 'utf8'),
    parsePending(readFileSync(PENDING_FILE, 'utf8')),
  );
}

/** The report `npm run schema:diff` prints, and whether the check passes. */
export function reportSchemaDiff(diff: SchemaDiff): { ok: boolean; lines: string[] } {
  const lines = [
    ...diff.broken.map((description) => `${BROKEN}${description}`),
    ...diff.dangerous.map((description) => `note: ${description}`),
    ...diff.unlisted.map((description) => `unintended: ${description} (fix the schema, or list it in test/contract-pending.txt)`),
    ...diff.gone.map((line) => `gone: ${line} (delete this line from test/contract-pending.txt)`),
    ...diff.duplicated.map((description) => `listed twice: ${description}`),
  ];
  const ok = diff.unlisted.length === 0 && diff.gone.length === 0 && diff.duplicated.length === 0;
  lines.push(diff.broken.length === 0
    ? 'no breaking change from the baseline'
    : `${diff.broken.length} breaking changes from the baseline, ${diff.unlisted.length} of them not listed as intended`);
  return { ok, lines };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let report;
  try {
    report = reportSchemaDiff(diffCommittedSchema());
  } catch (error) {
    report = { ok: false, lines: [`schema:diff: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`] };
  }
  for (const line of report.lines) console.log(line);
  process.exit(report.ok ? 0 : 1);
}
