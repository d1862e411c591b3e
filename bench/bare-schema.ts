import { createSchema, createYoga } from 'graphql-yoga';
import { BARE_USER } from './queries.ts';

const VIEWER = Object.freeze({ credential: 'ANONYMOUS', user: BARE_USER });

/**
 * The baseline: graphql-yoga with its defaults (no plugins of its own), a tiny SDL and constant
 * resolvers. Whatever Latchkey costs beyond this is Latchkey's own.
 */
export function createBareYoga() {
  return createYoga({
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        type Query { viewer: Viewer! }
        type Viewer { credential: String! user: User }
        type User { id: ID! email: String! }
      `,
      resolvers: { Query: { viewer: () => VIEWER } },
    }),
  });
}
