import { IncomingMessage, ServerResponse } from 'node:http';
import { checkKey } from '../keys';
import { errText } from '../log';
import { StoreUnavailableError } from '../errors';
import { ReadRefusal } from '../failover/leadership';
import { readBody } from './body';
import { notFoundPage, text, value } from './reply';
import type { HttpDeps } from './deps';
import { hasBody, leaveBodyUnread } from './unread-body';

/**
 * GET/HEAD /get/<key>: the raw value, or 404 with body "\n". With `?consistent`, only the leader
 * answers, and only with acknowledged data while its lease is certainly valid (307 to the leader
 * from a follower, 503 when it cannot be sure).
 */
export function getValue(deps: HttpDeps, key: string, req: IncomingMessage, res: ServerResponse, query: string): void | Promise<void> {
  if (!keyOrReply(deps, key, req, res)) return;
  if (query !== '' && isConsistent(query)) return consistentGet(deps, key, query, req, res);
  sendValue(deps, key, res);
}

async function consistentGet(deps: HttpDeps, key: string, query: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const barrier = await deps.leadership.readBarrier(deps.store.seqOf(key));
  if (barrier !== true) return refuseConsistent(deps, barrier, `/get/${key}?${query}`, req, res);
  sendValue(deps, key, res);
}

function sendValue(deps: HttpDeps, key: string, res: ServerResponse): void {
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

function isConsistent(query: string): boolean {
  return new URLSearchParams(query).has('consistent');
}

/** PUT /set/<key>: stores the body once durable (leader); 307 to the leader (follower). */
export async function putValue(deps: HttpDeps, key: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!keyOrReply(deps, key, req, res)) return;
  if (deps.leadership.role() === 'follower') return redirectToLeader(deps, `/set/${key}`, req, res);
  const max = deps.config.maxValueBytes;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) return refuse(req, res, 413, 'value too large\n');
  continueIfAsked(req, res);
  const body = await readBody(req, max);
  if (!body.ok) {
    if (body.reason === 'too-large') refuse(req, res, 413, 'value too large\n', body.received);
    return; // aborted: nobody is listening
  }
  let seq: number;
  try {
    seq = await deps.store.put(key, body.body);
  } catch (err) {
    if (!(err instanceof StoreUnavailableError)) deps.log.error('write failed', { error: errText(err) });
    return text(res, 503, 'write failed\n');
  }
  if (!(await deps.leadership.acknowledge(seq))) return notAcknowledged(res);
  text(res, 200, 'WRITE completed');
}

/** DELETE /delete/<key>: 200 once durable, 404 if absent (leader); 307 to the leader (follower). */
export async function deleteValue(deps: HttpDeps, key: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!keyOrReply(deps, key, req, res)) return;
  if (deps.leadership.role() === 'follower') return redirectToLeader(deps, `/delete/${key}`, req, res);
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
  if (!existed) {
    // "Absent" is a read: answered only from acknowledged data, like a consistent GET.
    const barrier = await deps.leadership.readBarrier(deps.store.seqOf(key));
    return barrier === true ? text(res, 404, '\n') : refuseConsistent(deps, barrier, `/delete/${key}`, req, res);
  }
  if (!(await deps.leadership.acknowledge(deps.store.seqOf(key)))) return notAcknowledged(res);
  text(res, 200, 'DELETE completed');
}

/** A refusal that leaves the body unread, sent so that the client gets to read it. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, body: string, consumed = 0): void {
  leaveBodyUnread(req, res, consumed);
  text(res, status, body);
}

/** True when the key is valid; otherwise the refusal has been sent. */
function keyOrReply(deps: HttpDeps, key: string, req: IncomingMessage, res: ServerResponse): boolean {
  const c = checkKey(key, deps.config.maxKeyBytes);
  if (c === 'ok') return true;
  leaveBodyUnread(req, res);
  if (c === 'too-long') text(res, 413, 'key too long\n');
  else notFoundPage(res);
  return false;
}

function continueIfAsked(req: IncomingMessage, res: ServerResponse): void {
  if (String(req.headers.expect).toLowerCase() === '100-continue') res.writeContinue();
}

function redirectToLeader(deps: HttpDeps, path: string, req: IncomingMessage, res: ServerResponse): void {
  // The body is not read: the client re-sends it to the leader.
  leaveBodyUnread(req, res);
  const leader = deps.leadership.leaderUrl();
  if (!leader) return text(res, 503, 'no leader\n', { 'Retry-After': '1' });
  res.writeHead(307, { Location: leader + path, 'Content-Length': 0 });
  res.end();
}

function refuseConsistent(deps: HttpDeps, why: ReadRefusal, path: string, req: IncomingMessage, res: ServerResponse): void {
  if (why === 'not-leader') return redirectToLeader(deps, path, req, res);
  text(res, 503, 'leadership not certain\n', { 'Retry-After': '1' });
}

/** The write is durable here but not known to be on enough followers: its outcome is unknown. */
function notAcknowledged(res: ServerResponse): void {
  text(res, 503, 'write not acknowledged\n', { 'Retry-After': '1' });
}
