import { IncomingMessage, ServerResponse } from 'node:http';
import { Config, Role } from '../config';
import { checkKey } from '../keys';
import { Logger, errText } from '../log';
import { LogStore, StoreUnavailableError } from '../store/log-store';
import { readBody } from './body';
import { methodNotAllowed, notFoundPage, text, value } from './reply';
import { hasBody, leaveBodyUnread } from './unread-body';

/** What the HTTP surface needs from the rest of the process. */
export interface HttpDeps {
  readonly config: Config;
  readonly store: LogStore;
  readonly log: Logger;
  readonly role: Role;
  /** Follower: caught up with the leader at least once. Leader: always. */
  ready(): boolean;
  shuttingDown(): boolean;
  /** Replication endpoints, served by the replication module. */
  replicationChanges(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void;
  replicationSnapshot(req: IncomingMessage, res: ServerResponse): void;
  metricsText(): string;
  readonly counters: HttpCounters;
}

/** Requests by route and status class, for /metrics. */
export class HttpCounters {
  readonly byRouteCode = new Map<string, number>();
  count(route: string, status: number): void {
    const k = `${route}|${status}`;
    this.byRouteCode.set(k, (this.byRouteCode.get(k) ?? 0) + 1);
  }
}

/** Routes one request. Never throws; every failure becomes a short 4xx/5xx. */
export function handle(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const method = req.method ?? 'GET';
  let route = 'other';
  if (deps.log.enabled('debug')) {
    const started = Date.now();
    res.on('finish', () => deps.log.debug('request', { method, path: path.slice(0, 300), status: res.statusCode, ms: Date.now() - started }));
  }
  res.on('finish', () => deps.counters.count(route, res.statusCode));
  if (deps.shuttingDown()) res.setHeader('Connection', 'close');

  // None of the routes below reads a body except set and delete, which handle their own.
  if (!path.startsWith('/set/') && !path.startsWith('/delete/')) leaveBodyUnread(req, res);
  try {
    if (path.startsWith('/get/')) {
      route = 'get';
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
      return getValue(deps, path.slice(5), res);
    }
    if (path.startsWith('/set/')) {
      route = 'set';
      if (method !== 'PUT') {
        leaveBodyUnread(req, res);
        return methodNotAllowed(res, 'PUT');
      }
      return void putValue(deps, path.slice(5), path, req, res).catch((err) => failed(deps, res, route, err));
    }
    if (path.startsWith('/delete/')) {
      route = 'delete';
      if (method !== 'DELETE') {
        leaveBodyUnread(req, res);
        return methodNotAllowed(res, 'DELETE');
      }
      return void deleteValue(deps, path.slice(8), path, req, res).catch((err) => failed(deps, res, route, err));
    }
    switch (path) {
      case '/keys':
        route = 'keys';
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
        return text(res, 200, JSON.stringify(deps.store.keys()) + '\n', { 'Content-Type': 'application/json' });
      case '/status': {
        route = 'status';
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
        if (new URLSearchParams(query).get('level') === 'full') return text(res, 200, `${deps.store.keyCount}\n`);
        return text(res, 200, deps.role);
      }
      case '/healthz':
        route = 'healthz';
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
        return text(res, 200, 'ok\n');
      case '/readyz':
        route = 'readyz';
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
        if (deps.shuttingDown()) return text(res, 503, 'shutting down\n');
        return deps.ready() ? text(res, 200, 'ready\n') : text(res, 503, 'catching up\n');
      case '/metrics':
        route = 'metrics';
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
        return text(res, 200, deps.metricsText(), { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      case '/replication/changes':
        route = 'replication';
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        return deps.replicationChanges(req, res, new URLSearchParams(query));
      case '/replication/snapshot':
        route = 'replication';
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        return deps.replicationSnapshot(req, res);
    }
    return notFoundPage(res);
  } catch (err) {
    return failed(deps, res, route, err);
  }
}

function failed(deps: HttpDeps, res: ServerResponse, route: string, err: unknown): void {
  deps.log.error('request failed', { route, error: errText(err) });
  text(res, 500, 'internal error\n');
}

/** 'ok' or the reply has been sent. */
function keyOrReply(deps: HttpDeps, key: string, res: ServerResponse, req?: IncomingMessage): boolean {
  const c = checkKey(key, deps.config.maxKeyBytes);
  if (c === 'ok') return true;
  if (req) leaveBodyUnread(req, res);
  if (c === 'too-long') text(res, 413, 'key too long\n');
  else notFoundPage(res);
  return false;
}

function getValue(deps: HttpDeps, key: string, res: ServerResponse): void {
  if (!keyOrReply(deps, key, res)) return;
  const v = deps.store.get(key);
  if (v === undefined) return text(res, 404, '\n');
  if (Buffer.isBuffer(v)) return value(res, v);
  v.then(
    (buf) => (buf === undefined ? text(res, 404, '\n') : value(res, buf)),
    (err) => {
      deps.log.error('read failed', { error: errText(err) });
      text(res, 500, 'read failed\n');
    },
  );
}

/** A refusal that leaves the body unread, sent so that the client gets to read it. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, body: string, consumed = 0): void {
  leaveBodyUnread(req, res, consumed);
  text(res, status, body);
}

function continueIfAsked(req: IncomingMessage, res: ServerResponse): void {
  if (String(req.headers.expect).toLowerCase() === '100-continue') res.writeContinue();
}

function redirectToLeader(deps: HttpDeps, path: string, req: IncomingMessage, res: ServerResponse): void {
  // The body is not read: the client re-sends it to the leader.
  leaveBodyUnread(req, res);
  res.writeHead(307, { Location: deps.config.leaderUrl + path, 'Content-Length': 0 });
  res.end();
}

async function putValue(deps: HttpDeps, key: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!keyOrReply(deps, key, res, req)) return;
  if (deps.role === 'follower') return redirectToLeader(deps, path, req, res);
  const max = deps.config.maxValueBytes;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) return refuse(req, res, 413, 'value too large\n');
  continueIfAsked(req, res);
  const body = await readBody(req, max);
  if (!body.ok) {
    if (body.reason === 'too-large') refuse(req, res, 413, 'value too large\n', body.received);
    return; // aborted: nobody is listening
  }
  try {
    await deps.store.put(key, body.body);
  } catch (err) {
    if (!(err instanceof StoreUnavailableError)) deps.log.error('write failed', { error: errText(err) });
    return text(res, 503, 'write failed\n');
  }
  text(res, 200, 'WRITE completed');
}

async function deleteValue(deps: HttpDeps, key: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!keyOrReply(deps, key, res, req)) return;
  if (deps.role === 'follower') return redirectToLeader(deps, path, req, res);
  if (hasBody(req)) {
    continueIfAsked(req, res);
    const body = await readBody(req, 0);
    if (!body.ok) return body.reason === 'too-large' ? refuse(req, res, 413, 'no body expected\n', body.received) : undefined;
  }
  let existed: boolean;
  try {
    existed = await deps.store.delete(key);
  } catch (err) {
    if (!(err instanceof StoreUnavailableError)) deps.log.error('delete failed', { error: errText(err) });
    return text(res, 503, 'delete failed\n');
  }
  if (!existed) return text(res, 404, '\n');
  text(res, 200, 'DELETE completed');
}
