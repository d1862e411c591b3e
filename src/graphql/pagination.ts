import type { ObjectRef } from '@pothos/core';
import { GraphQLError } from 'graphql';
import type { Position } from '../db/keyset.ts';
import { isUuid } from '../lib/secrets.ts';
import { builder } from './builder.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

export interface PageInfoShape {
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  readonly startCursor: string | null;
  readonly endCursor: string | null;
}

export const PageInfoRef = builder.objectRef<PageInfoShape>('PageInfo').implement({
  description: 'Where a page stands in its list (Relay cursor connections).',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'Whether more items follow the last of this page.' }),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', { description: 'Whether items precede the first of this page.' }),
    startCursor: t.exposeString('startCursor', { nullable: true, description: 'The cursor of the first item of this page.' }),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'The cursor of the last item; pass it as `after` for the next page.' }),
  }),
});

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;


export function encodeCursor(position: Position): string {
  return Buffer.from(`${position.at.toISOString()}|${position.id}`).toString('base64url');
}

/** A query argument that breaks a rule: queries have no result union, so it is a GraphQL error with a stable code. */
export function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/** Reads a cursor this server gave out; `isId` checks the id it holds (a uuid unless the list says otherwise). */
export function decodeCursor(cursor: string, isId: (id: string) => boolean = isUuid): Position {
  const [at, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(at ?? '');
  if (extra !== undefined || id === undefined || !isId(id) || Number.isNaN(date.getTime())) {
    throw badInput('The cursor is not one this list gave out.');
  }
  return { at: date, id };
}

/** Checks `first`: from 1 to MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE when omitted. */
export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw badInput(`first must be from 1 to ${MAX_PAGE_SIZE}.`);
  return first;
}

/** Builds a connection from up to `size + 1` rows fetched after the cursor: the extra row says a next page exists. */
export function connection<T>(rows: readonly T[], size: number, position: (row: T) => Position, hasCursor: boolean) {
  const page = rows.slice(0, size);
  const edges = page.map((node) => ({ cursor: encodeCursor(position(node)), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: hasCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

export type Connection<Node> = ReturnType<typeof connection<Node>>;

/** An empty first page, for a caller who has nothing to list. */
export function emptyConnection<Node>(): Connection<Node> {
  return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } };
}

/**
 * The Relay connection type of a node type, named `<Node>Connection` with `<Node>Edge`s and PageInfo:
 * the one shape of every list that can grow. `noun` names one node and `nouns` several, for descriptions.
 */
export function connectionType<Node>(node: ObjectRef<Types, Node>, words: { readonly noun: string; readonly nouns: string }) {
  const edge = builder.objectRef<Connection<Node>['edges'][number]>(`${node.name}Edge`).implement({
    description: `A ${words.noun} and its place in the list.`,
    fields: (t) => ({
      cursor: t.exposeString('cursor', { description: `Pass it as \`after\` to list what follows this ${words.noun}.` }),
      node: t.expose('node', { type: node, description: `The ${words.noun}.` }),
    }),
  });
  return builder.objectRef<Connection<Node>>(`${node.name}Connection`).implement({
    description: `A page of ${words.nouns}, newest first.`,
    fields: (t) => ({
      edges: t.field({ type: [edge], description: `The ${words.nouns} of this page.`, resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfoRef, description: 'Where this page stands.', resolve: (c) => c.pageInfo }),
    }),
  });
}
