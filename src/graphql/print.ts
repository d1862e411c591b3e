// Writes schema.graphql from the code (`write`), or fails when the committed file differs (`check`).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { buildSchema } from './schema.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('../../schema.graphql', import.meta.url));

/** The SDL that schema.graphql must hold: sorted, with the descriptions of the code. */
export function printedSchema(): string {
  return `${printSchema(buildSchema())}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  const printed = printedSchema();
  if (mode === 'write') {
    writeFileSync(SCHEMA_FILE, printed);
    console.log('schema.graphql written');
  } else {
    let committed = '';
    try {
      committed = readFileSync(SCHEMA_FILE, 'utf8');
    } catch {
      // a missing file is stale too
    }
    if (committed !== printed) {
      console.error('schema.graphql is stale: run npm run schema:print and commit it');
      process.exit(1);
    }
    console.log('schema.graphql is up to date');
  }
}
