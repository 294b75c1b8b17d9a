import { IncomingMessage, ServerResponse } from 'node:http';
import { MetricsSource, MetricsText } from '../metrics';

/**
 * A request handler. `param` is the rest of the path after a `/prefix/:param` pattern (empty for
 * exact paths), `query` the raw query string without `?`. A returned promise that rejects is
 * answered with a 500 by the caller.
 */
export type Handler = (req: IncomingMessage, res: ServerResponse, param: string, query: string) => void | Promise<void>;

/** One row of a route table. */
export interface RouteSpec {
  readonly method: string;
  /** An exact path (`/keys`) or a prefix with one trailing parameter that takes the rest (`/get/:key`). */
  readonly path: string;
  /** The `route` label of the request counter. */
  readonly label: string;
  /** False when the handler never reads a body: one sent anyway is discarded (bounded) or the connection closed. */
  readonly readsBody: boolean;
  readonly handler: Handler;
}

/** Answers of one route label, by status code. */
export class RouteCounter {
  private readonly byStatus = new Map<number, number>();

  constructor(readonly label: string) {}

  /** Counts one answer. */
  count(status: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  /** Samples for the request counter, one per status code seen. */
  samples(): Array<[Record<string, string>, number]> {
    return [...this.byStatus].map(([code, n]) => [{ route: this.label, code: String(code) }, n]);
  }
}

/** Everything a table says about one path pattern. */
export interface PathRoute {
  /** Handlers and whether they read a body, by method. */
  readonly methods: ReadonlyMap<string, { handler: Handler; readsBody: boolean }>;
  /** The `Allow` header of a 405 here. */
  readonly allow: string;
  readonly counter: RouteCounter;
}

/** A matched path: its route and the parameter. */
export interface RouteMatch {
  readonly route: PathRoute;
  readonly param: string;
}

/** Label of requests that match no route (404s). */
export const UNMATCHED_LABEL = 'other';

/**
 * A route table compiled for lookup: exact paths in one map, `/prefix/:param` patterns in
 * another keyed by their first segment, so a lookup is one or two map reads whatever the table
 * size. Builds the 404/405 bookkeeping (Allow headers, metric labels) from the table alone.
 */
export class Router implements MetricsSource {
  private readonly exact = new Map<string, PathRoute>();
  private readonly prefixed = new Map<string, PathRoute>();
  private readonly counters = new Map<string, RouteCounter>();
  /** Counter of requests that match nothing. */
  readonly unmatched: RouteCounter;

  constructor(table: readonly RouteSpec[]) {
    const grouped = new Map<string, RouteSpec[]>();
    for (const spec of table) grouped.set(spec.path, [...(grouped.get(spec.path) ?? []), spec]);
    for (const [pattern, specs] of grouped) {
      const methods = new Map(specs.map((s) => [s.method, { handler: s.handler, readsBody: s.readsBody }]));
      if (methods.size !== specs.length) throw new Error(`route table: duplicate method for ${pattern}`);
      const route: PathRoute = { methods, allow: [...methods.keys()].join(', '), counter: this.counter(specs[0].label) };
      const param = pattern.indexOf('/:');
      if (param < 0) this.exact.set(pattern, route);
      else if (pattern.indexOf('/', param + 1) < 0 && pattern.indexOf('/', 1) === param) this.prefixed.set(pattern.slice(0, param + 1), route);
      else throw new Error(`route table: unsupported pattern ${pattern}`);
    }
    this.unmatched = this.counter(UNMATCHED_LABEL);
  }

  /** The route for a path (without query), or undefined: 404. */
  match(path: string): RouteMatch | undefined {
    const exact = this.exact.get(path);
    if (exact) return { route: exact, param: '' };
    const slash = path.indexOf('/', 1);
    if (slash < 0) return undefined;
    const route = this.prefixed.get(path.slice(0, slash + 1));
    return route ? { route, param: path.slice(slash + 1) } : undefined;
  }

  /** `mehdb_http_requests_total`, labelled by the table's route labels and the status code. */
  describeMetrics(m: MetricsText): void {
    m.metric('mehdb_http_requests_total', 'counter', 'HTTP requests by route and status code.', [...this.counters.values()].flatMap((c) => c.samples()));
  }

  private counter(label: string): RouteCounter {
    let c = this.counters.get(label);
    if (!c) this.counters.set(label, (c = new RouteCounter(label)));
    return c;
  }
}
