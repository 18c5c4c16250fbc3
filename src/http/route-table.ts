/** A path pattern such as '/sessions/:id/complete', matched as Express 5 matches route paths. */
interface Pattern {
  path: string;
  regex: RegExp;
  names: string[];
}

export type RouteMatch<R> =
  | { kind: 'route'; route: R; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'none' };

function compile(path: string): Pattern {
  const names: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+?)';
    })
    .join('/');
  // As Express: case-insensitive, and one trailing slash is allowed.
  return { path, regex: new RegExp(`^${source}/?$`, 'i'), names };
}

/**
 * Finds the route for a method and path in one pass over a small table: one Express layer for all REST
 * routes instead of a router walking a layer per route. HEAD is served by GET routes, as in Express; a
 * known path with another method is told which methods it has (405 with Allow).
 */
export class RouteTable<R extends { method: string; path: string }> {
  private readonly entries: Array<{ route: R; pattern: Pattern }>;
  /** Methods per distinct path, in declaration order (for Allow). */
  private readonly methodsByPath = new Map<string, string[]>();

  constructor(routes: R[]) {
    const patterns = new Map<string, Pattern>();
    this.entries = routes.map((route) => {
      let pattern = patterns.get(route.path);
      if (!pattern) patterns.set(route.path, (pattern = compile(route.path)));
      this.methodsByPath.set(route.path, [...(this.methodsByPath.get(route.path) ?? []), route.method]);
      return { route, pattern };
    });
  }

  /** Throws URIError when a path parameter is not valid percent-encoding. */
  match(method: string, path: string): RouteMatch<R> {
    const wanted = method === 'HEAD' ? 'GET' : method;
    let allow: string[] | undefined;
    for (const { route, pattern } of this.entries) {
      const found = pattern.regex.exec(path);
      if (!found) continue;
      if (route.method !== wanted) {
        allow ??= this.methodsByPath.get(route.path);
        continue;
      }
      const params: Record<string, string> = {};
      pattern.names.forEach((name, i) => (params[name] = decodeURIComponent(found[i + 1])));
      return { kind: 'route', route, params };
    }
    return allow ? { kind: 'method-not-allowed', allow } : { kind: 'none' };
  }
}
