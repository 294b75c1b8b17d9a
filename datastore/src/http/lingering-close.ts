import { ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/**
 * Lingering close: how a connection ends after an answer marked `Connection: close`.
 *
 * Node's default is to send the answer, then FIN, then close the socket at once. If the client
 * is still sending (a body the server did not read, or bytes after its own `Connection: close`),
 * those bytes hit a closed socket: the kernel answers with a reset, and the client may never
 * read the answer (a Node.js client reports HPE_CLOSED_CONNECTION or ECONNRESET). Here the server
 * half-closes instead (FIN after the answer), keeps reading and dropping what still arrives, and
 * closes once the client has closed its side, or after LINGER_BYTES, or after LINGER_MS,
 * whichever comes first. nginx calls this lingering close; Go's net/http does much the same.
 */

/** Most bytes read and dropped while lingering; past this the connection is closed at once. */
export const LINGER_BYTES = 256 * 1024;

/** Longest time a closing connection lingers for the client to finish. */
export const LINGER_MS = 2000;

const lingering = new WeakSet<Socket>();
const closeAtOnce = new WeakSet<Socket>();

/** Makes every close that Node starts after a final answer on this connection a lingering one. */
export function lingerOnClose(socket: Socket): void {
  socket.destroySoon = (): void => lingeringClose(socket);
}

/**
 * The next close of this connection skips lingering: for a refusal of a body known to be larger
 * than LINGER_BYTES, where reading it would cost more than a lost answer.
 */
export function skipLingering(socket: Socket): void {
  closeAtOnce.add(socket);
}

/** True once the connection is lingering: what still arrives is dropped, not parsed. */
export function isLingering(socket: Socket): boolean {
  return lingering.has(socket);
}

/** Half-closes now (after what is already written) and closes once the client is done or a bound is hit. */
export function lingeringClose(socket: Socket): void {
  if (lingering.has(socket) || socket.destroyed) return;
  lingering.add(socket);
  if (closeAtOnce.has(socket)) {
    socket.end(() => socket.destroy());
    return;
  }
  let left = LINGER_BYTES;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.on('close', () => clearTimeout(timer));
  socket.on('end', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) socket.destroy();
  });
  socket.end();
  socket.resume();
}

/**
 * Ends the connection after `res`, the answer still being prepared for a request that was read
 * whole, instead of answering what follows it: malformed bytes after a complete request must not
 * get a `400` written ahead of the pending answer. The connection closes (lingering) once the
 * answer is out.
 */
export function closeAfterAnswer(res: ServerResponse, socket: Socket): void {
  if (closingAfterAnswer.has(socket)) return;
  closingAfterAnswer.add(socket);
  if (!res.headersSent) res.setHeader('Connection', 'close');
  else res.once('finish', () => lingeringClose(socket));
}

const closingAfterAnswer = new WeakSet<Socket>();
