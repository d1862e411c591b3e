import { GraphQLError, Kind } from 'graphql';
import { builder } from './builder.ts';

// RFC 3339 §5.6 date-time: seconds required, fraction optional, `Z` or a numeric offset; `t` and `z`
// in lower case are allowed (its §5.6 note). A leap second (:60) cannot be held by a JavaScript Date.
const RFC_3339 = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

function parseDateTime(value: unknown): Date {
  const match = typeof value === 'string' ? RFC_3339.exec(value) : null;
  if (match !== null) {
    const [, year, month, day] = match.map(Number) as [number, number, number, number];
    // The pattern lets 31 through for every month; the calendar has the last word (2021-02-29 is no date).
    const inMonth = new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
    const date = new Date(value as string);
    if (inMonth && !Number.isNaN(date.getTime())) return date;
  }
  throw new GraphQLError('DateTime must be an RFC 3339 date-time with a time zone, e.g. 2026-11-28T12:00:00.000Z.', {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

builder.scalarType('DateTime', {
  description:
    'An instant in time: an RFC 3339 date-time (seconds required, a time zone offset or Z), e.g. 2026-11-28T12:00:00.000Z. The server always answers in UTC, with milliseconds.',
  specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc3339',
  serialize: (value) => (value instanceof Date ? value : new Date(value as string)).toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string.', { extensions: { code: 'BAD_USER_INPUT' } });
    return parseDateTime(ast.value);
  },
});
