import { GraphQLError } from 'graphql';
import { builder } from './builder.ts';

/** Output only in practice (audit metadata): an input is refused unless it is a plain JSON object. */
function parseObject(value: unknown): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new GraphQLError('JSONObject must be a JSON object.', { extensions: { code: 'BAD_USER_INPUT' } });
}

builder.scalarType('JSONObject', {
  description: 'A JSON object (RFC 8259 §4), e.g. {"revokedSessions": 2}: facts whose keys depend on the event.',
  specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc8259#section-4',
  serialize: (value) => parseObject(value),
  parseValue: parseObject,
  parseLiteral: () => {
    throw new GraphQLError('JSONObject is not accepted as a literal; pass it as a variable.', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});
