import { IncomingMessage, ServerResponse } from 'node:http';
import { LINGER_BYTES, skipLingering } from './lingering-close';

/**
 * Most bytes of a request body the server reads and throws away when it answers without using
 * the body (a refusal, a redirect). Closing with unread bytes in flight makes the kernel reset
 * the connection, and the reset can destroy the answer before the client reads it; reading a
 * small remainder lets the answer arrive and keeps the connection usable. Go's net/http reads up
 * to the same amount for the same reason. Above it the connection is closed at once: reading a
 * large body only to refuse it costs more than a lost answer.
 */
export const DISCARD_LIMIT_BYTES = LINGER_BYTES;

/** Requests whose unread body has been dealt with already. */
const decided = new WeakSet<IncomingMessage>();

/** What happens to a body the handler does not read. */
export type UnreadBodyPlan = 'none' | 'discard' | 'close';

/** True when the request announces a body (a non-zero Content-Length or any Transfer-Encoding). */
export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Decides how to leave a body unread. `consumed`: bytes of it already read by the handler.
 * - nothing left to read: 'none';
 * - the client waits for `100 Continue` (which a refusal never sends): 'close', as it has not
 *   sent the body and will not without a new request;
 * - a declared remainder within the limit, or a chunked body (bounded while discarding): 'discard';
 * - a declared remainder above the limit: 'close'.
 */
export function unreadBodyPlan(req: IncomingMessage, consumed = 0): UnreadBodyPlan {
  if (req.complete || !hasBody(req)) return 'none';
  if (String(req.headers.expect).toLowerCase() === '100-continue' && consumed === 0) return 'close';
  const declared = req.headers['content-length'];
  if (declared === undefined) return consumed < DISCARD_LIMIT_BYTES ? 'discard' : 'close';
  return Number(declared) - consumed <= DISCARD_LIMIT_BYTES ? 'discard' : 'close';
}

/**
 * Prepares `res` for an answer that leaves the request body unread; call it before the reply is
 * written. Either starts discarding the body (bounded: past DISCARD_LIMIT_BYTES in all the
 * connection is destroyed) so the answer is not lost to a reset, or marks the reply
 * `Connection: close` so the connection is closed at once after the answer (no lingering).
 */
export function leaveBodyUnread(req: IncomingMessage, res: ServerResponse, consumed = 0): void {
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return; // the common case
  const plan = unreadBodyPlan(req, consumed);
  if (plan === 'none' || decided.has(req)) return;
  decided.add(req);
  if (plan === 'close') {
    res.setHeader('Connection', 'close');
    skipLingering(req.socket);
  } else if (plan === 'discard') discard(req, DISCARD_LIMIT_BYTES - consumed);
}

/** Reads and drops the rest of the body; destroys the connection once more than `limit` arrived. */
function discard(req: IncomingMessage, limit: number): void {
  let left = limit;
  req.on('data', (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) req.socket.destroy();
  });
  req.resume();
}
