import * as http from 'node:http';
import { Socket } from 'node:net';
import { isLingering, lingerOnClose } from './lingering-close';
import { HttpDeps, handle } from './routes';

/** The HTTP server with its limits: header/request/keep-alive timeouts and header size. */
export function createHttpServer(deps: HttpDeps): http.Server {
  const { config } = deps;
  const server = http.createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => handle(deps, req, res),
  );
  // Expect: 100-continue is answered by the route, after the key, the role and the size are checked.
  server.on('checkContinue', (req, res) => handle(deps, req, res));
  // Idle sockets (including slow readers) go away; long-polls stay within this bound.
  server.setTimeout(config.replicationWaitMs + 30_000, (socket) => socket.destroy());
  // A connection that ends after an answer lingers, so the answer is not lost to a reset.
  server.on('connection', lingerOnClose);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    deps.log.debug('malformed request', { code: err.code });
    // Bytes after a `Connection: close` exchange are not a new request: the answer (sent or on
    // its way) is the last word, and what follows is dropped while the connection lingers.
    if (err.code === 'HPE_CLOSED_CONNECTION' || isLingering(socket)) return;
    if (!socket.writable) return void socket.destroy();
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout'
      : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  return server;
}
