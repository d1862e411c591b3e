import { createHash } from 'node:crypto';
import * as operations from './web/operations.ts';

/**
 * The console's operations as a trusted-documents manifest (`sha256:<hex>` → text), the form
 * src/http/trusted-documents.ts reads: the console sends document ids, so it works under TRUSTED_DOCUMENTS=only.
 */
export const CONSOLE_DOCUMENTS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.values(operations).map((text) => [`sha256:${createHash('sha256').update(text).digest('hex')}`, text]),
);
