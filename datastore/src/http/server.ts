import * as http from 'node:http';
import { Socket } from 'node:net';
import { Config } from '../config';
import { Logger } from '../log';
import { closeAfterAnswer, isLingering, lingerOnClose } from './lingering-close';

/**
 * The HTTP server with its limits (header/request/keep-alive timeouts, header size), lingering
 * close, and short answers to malformed requests. `handle` answers every well-formed request.
 */
export function createHttpServer(config: Config, log: Logger, handle: (req: http.IncomingMessage, res: http.ServerResponse) => void): http.Server {
  const server = http.createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
      maxHeaderSize: 16 * 1024,
    },
    handle,
  );
  // Expect: 100-continue is answered by the route, after the key, the role and the size are checked.
  server.on('checkContinue', handle);
  // Idle sockets (including slow readers) go away; long-polls stay within this bound.
  server.setTimeout(config.replicationWaitMs + 30_000, (socket) => socket.destroy());
  // A connection that ends after an answer lingers, so the answer is not lost to a reset.
  server.on('connection', lingerOnClose);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    log.debug('malformed request', { code: err.code });
    // Bytes after a `Connection: close` exchange are not a new request: the answer (sent or on
    // its way) is the last word, and what follows is dropped while the connection lingers.
    if (err.code === 'HPE_CLOSED_CONNECTION' || isLingering(socket)) return;
    // Bytes after a request that was read whole while its answer is still being prepared: the
    // answer goes first, then the connection closes (a 400 now would overtake it).
    const pending = pendingResponse(socket);
    if (pending?.req.complete) return closeAfterAnswer(pending, socket);
    if (!socket.writable) return void socket.destroy();
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout'
      : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  return server;
}

/**
 * The answer Node is still writing on this connection, if any. Node keeps it in the socket's
 * `_httpMessage` (an internal field, stable since Node 0.x); reading it costs nothing per request.
 */
function pendingResponse(socket: Socket): http.ServerResponse | undefined {
  const res = (socket as Socket & { _httpMessage?: http.ServerResponse | null })._httpMessage;
  return res && !res.writableFinished ? res : undefined;
}
