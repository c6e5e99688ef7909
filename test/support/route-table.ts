/**
 * Every route of the app as Fastify registered it, read back from its route tree (printRoutes): Fastify
 * has no other listing once the app is ready, and this one cannot miss a route a module adds.
 */
import type { App } from '../../src/core/http/server.tsx';

export interface RouteEntry {
  method: string;
  /** The path as registered, with `:name` parameters: `/problems/:id/comments`. */
  url: string;
}

/**
 * Reads the tree `printRoutes({ commonPrefix: false })` draws: each line is `<indent>├── <segment> (METHODS)`
 * with four characters of indent per level, and a node's path is its parent's followed by its segment.
 */
export function routeTable(app: App): RouteEntry[] {
  const tree = app.printRoutes({ commonPrefix: false, includeHooks: false });
  const prefixes: string[] = [];
  const routes: RouteEntry[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const url = (prefixes[depth - 1] ?? '') + (match[2] ?? '');
    prefixes[depth] = url;
    prefixes.length = depth + 1;
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) routes.push({ method, url });
  }
  if (!routes.some((route) => route.method === 'POST' && route.url === '/login')) {
    throw new Error(`the route tree was not understood (Fastify changed printRoutes?):\n${tree.slice(0, 500)}`);
  }
  return routes;
}
