import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
import './scalars.ts';
import './json-scalar.ts';
import './errors.ts';
import './viewer.ts';
import '../sessions/graphql.ts';
import '../accounts/graphql.ts';
import '../accounts/password-reset-graphql.ts';
import '../accounts/email-graphql.ts';
import '../mail/graphql.ts';
import '../apikeys/graphql.ts';
import '../apikeys/manage-graphql.ts';
import '../audit/graphql.ts';
import '../federation/graphql.ts';
import '../oauth/graphql.ts';
import '../oauth/device-graphql.ts';
import '../tokens/graphql.ts';
import '../factors/graphql.ts';
import '../factors/passkey-graphql.ts';
import '../accounts/admin-graphql.ts';
import '../sessions/admin-graphql.ts';
import '../apikeys/admin-graphql.ts';
import '../apikeys/update-graphql.ts';
import '../apikeys/scopes-graphql.ts';
import '../apikeys/series-graphql.ts';
import '../audit/structured-graphql.ts';
import '../oauth/admin-graphql.ts';

/** The whole GraphQL schema, types sorted by name as schema.graphql prints it. */
export function buildSchema(): GraphQLSchema {
  schema ??= lexicographicSortSchema(builder.toSchema());
  return schema;
}

let schema: GraphQLSchema | undefined;
