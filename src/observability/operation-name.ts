/**
 * The name of the operation a request asks for: `operationName`, else the name in the document's first
 * operation (clients often send only the document), else "anonymous". Cut to 64 characters: it is for logs.
 */
export function operationNameOf(params: { readonly operationName?: string | null; readonly query?: string | null }): string {
  const name = params.operationName ?? /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(params.query ?? '')?.[1];
  return name === undefined || name === '' ? 'anonymous' : name.slice(0, 64);
}
