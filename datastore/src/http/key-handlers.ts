import { IncomingMessage, ServerResponse } from 'node:http';
import { checkKey } from '../keys';
import { errText } from '../log';
import { StoreUnavailableError } from '../errors';
import { readBody } from './body';
import { notFoundPage, text, value } from './reply';
import type { HttpDeps } from './routes';
import { hasBody, leaveBodyUnread } from './unread-body';

/** GET/HEAD /get/<key>: the raw value, or 404 with body "\n". */
export function getValue(deps: HttpDeps, key: string, req: IncomingMessage, res: ServerResponse): void {
  if (!keyOrReply(deps, key, req, res)) return;
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

/** PUT /set/<key>: stores the body once durable (leader); 307 to the leader (follower). */
export async function putValue(deps: HttpDeps, key: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!keyOrReply(deps, key, req, res)) return;
  if (deps.role === 'follower') return redirectToLeader(deps, `/set/${key}`, req, res);
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

/** DELETE /delete/<key>: 200 once durable, 404 if absent (leader); 307 to the leader (follower). */
export async function deleteValue(deps: HttpDeps, key: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!keyOrReply(deps, key, req, res)) return;
  if (deps.role === 'follower') return redirectToLeader(deps, `/delete/${key}`, req, res);
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
  res.writeHead(307, { Location: deps.config.leaderUrl + path, 'Content-Length': 0 });
  res.end();
}
