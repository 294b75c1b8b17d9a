import { IncomingMessage, ServerResponse } from 'node:http';
import { Logger, errText } from '../log';
import type { HttpDeps } from './deps';
import { deleteValue, getValue, putValue } from './key-handlers';
import { methodNotAllowed, notFoundPage, text } from './reply';
import { Handler, RouteMatch, RouteSpec, Router } from './router';
import { leaveBodyUnread } from './unread-body';

// Re-exported for the modules that build the surface (app.ts); handlers import './deps'.

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The HTTP API as data: method, path pattern, metric label, whether the handler reads a body,
 * and the handler. 404 and 405 (with `Allow`) follow from this table alone (see Router).
 */
export function routeTable(deps: HttpDeps): RouteSpec[] {
  const { store } = deps;
  const readOnly = (label: string, path: string, handler: Handler): RouteSpec[] => [
    { method: 'GET', path, label, readsBody: false, handler },
    { method: 'HEAD', path, label, readsBody: false, handler },
  ];
  return [
    ...readOnly('get', '/get/:key', (req, res, key, query) => getValue(deps, key, req, res, query)),
    { method: 'PUT', path: '/set/:key', label: 'set', readsBody: true, handler: (req, res, key) => putValue(deps, key, req, res) },
    { method: 'DELETE', path: '/delete/:key', label: 'delete', readsBody: true, handler: (req, res, key) => deleteValue(deps, key, req, res) },
    ...readOnly('keys', '/keys', (_req, res) => text(res, 200, JSON.stringify(store.keys()) + '\n', { 'Content-Type': 'application/json' })),
    ...readOnly('status', '/status', (_req, res, _key, query) =>
      new URLSearchParams(query).get('level') === 'full' ? text(res, 200, `${store.keyCount}\n`) : text(res, 200, deps.leadership.role()),
    ),
    ...readOnly('healthz', '/healthz', (_req, res) => text(res, 200, 'ok\n')),
    ...readOnly('readyz', '/readyz', (_req, res) => {
      if (deps.shuttingDown()) return text(res, 503, 'shutting down\n');
      return deps.leadership.ready() ? text(res, 200, 'ready\n') : text(res, 503, 'catching up\n');
    }),
    ...readOnly('metrics', '/metrics', (_req, res) => text(res, 200, deps.metricsText(), { 'Content-Type': PROMETHEUS_TEXT })),
    { method: 'GET', path: '/replication/changes', label: 'replication', readsBody: false, handler: (_req, res, _key, query) => deps.replicationChanges(res, new URLSearchParams(query)) },
    { method: 'GET', path: '/replication/snapshot', label: 'replication', readsBody: false, handler: (_req, res, _key, query) => deps.replicationSnapshot(res, new URLSearchParams(query)) },
    { method: 'POST', path: '/replication/fence', label: 'replication', readsBody: false, handler: (_req, res, _key, query) => deps.replicationFence(res, new URLSearchParams(query)) },
  ];
}

/**
 * The request listener: looks the path up in the table, answers 404/405 itself, counts every
 * answer under the route's label, and turns any failure into a short 500. Never throws.
 */
export function createRequestHandler(deps: HttpDeps, router = new Router(routeTable(deps))): (req: IncomingMessage, res: ServerResponse) => void {
  const debug = deps.log.enabled('debug');
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (debug) logWhenDone(deps.log, req, res, path);
    if (deps.shuttingDown()) res.setHeader('Connection', 'close');
    const match = router.match(path);
    const counter = match ? match.route.counter : router.unmatched;
    dispatch(deps, match, req, res, q < 0 ? '' : url.slice(q + 1));
    // Most answers are sent before the handler returns: count them now, the rest when done.
    if (res.headersSent) counter.count(res.statusCode);
    else res.once('finish', () => counter.count(res.statusCode));
  };
}

function dispatch(deps: HttpDeps, match: RouteMatch | undefined, req: IncomingMessage, res: ServerResponse, query: string): void {
  if (!match) {
    leaveBodyUnread(req, res);
    return notFoundPage(res);
  }
  const method = match.route.methods.get(req.method ?? 'GET');
  if (!method) {
    leaveBodyUnread(req, res);
    return methodNotAllowed(res, match.route.allow);
  }
  if (!method.readsBody) leaveBodyUnread(req, res);
  try {
    const pending = method.handler(req, res, match.param, query);
    if (pending) pending.catch((err: unknown) => failed(deps.log, res, match.route.counter.label, err));
  } catch (err) {
    failed(deps.log, res, match.route.counter.label, err);
  }
}

function logWhenDone(log: Logger, req: IncomingMessage, res: ServerResponse, path: string): void {
  const started = Date.now();
  res.on('finish', () => log.debug('request', { method: req.method, path: path.slice(0, 300), status: res.statusCode, ms: Date.now() - started }));
}

function failed(log: Logger, res: ServerResponse, route: string, err: unknown): void {
  log.error('request failed', { route, error: errText(err) });
  text(res, 500, 'internal error\n');
}
