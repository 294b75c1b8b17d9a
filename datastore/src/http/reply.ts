import { ServerResponse } from 'node:http';

const TEXT = 'text/plain; charset=utf-8';

/** Short text reply. Bodies are fixed strings: never paths or error messages from below. */
export function text(res: ServerResponse, status: number, body: string, extra?: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'Content-Type': TEXT,
    'Content-Length': Buffer.byteLength(body),
    'X-Content-Type-Options': 'nosniff',
    ...extra,
  });
  res.end(body);
}

/** 404 with Go's body, as upstream. */
export function notFoundPage(res: ServerResponse): void {
  text(res, 404, '404 page not found\n');
}

/** 405 with the methods the path answers to. */
export function methodNotAllowed(res: ServerResponse, allow: string): void {
  text(res, 405, '405 method not allowed\n', { Allow: allow });
}

/** 200 with a stored value as raw bytes (never sniffed). */
export function value(res: ServerResponse, buf: Buffer): void {
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': buf.length,
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(buf);
}
