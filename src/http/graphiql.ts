import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * GraphiQL with its scripts and styles inlined from @graphql-yoga/render-graphiql, so that the page
 * works with no other host reachable (Yoga's default loads them from a CDN). The 9 MB bundle is loaded
 * only when the page is first asked for, never in production, where GraphiQL is off.
 */
export async function renderOfflineGraphiQL(options: GraphiQLOptions): Promise<string> {
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  return renderGraphiQL({ ...options, title: 'Latchkey GraphiQL' });
}
