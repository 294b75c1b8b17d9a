import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in mehdb for testing the toolkit itself: an in-memory store on 127.0.0.1 speaking the
 * datastore's HTTP surface, with switchable misbehaviour.
 */
export interface FakeStore {
  url: string;
  /** How the next requests are answered. */
  mode: FakeMode;
  close(): Promise<void>;
}

/**
 * `ok`: a correct store. `lose-puts`: acknowledges a PUT to a key that holds a value without
 * applying it (the first value sticks).
 * `unavailable`: writes 503 after applying them (outcome unknown to the client), reads 503.
 * `no-leader`: 503 `no leader\n`, nothing written. `redirect`: 307 to `redirectTo` + path.
 */
export type FakeMode = 'ok' | 'lose-puts' | 'unavailable' | 'no-leader' | 'redirect';

/** Starts a fake store; `redirectTo` is the base URL its redirects point at. */
export async function startFakeStore(redirectTo = ''): Promise<FakeStore> {
  const data = new Map<string, string>();
  const fake = { url: '', mode: 'ok' as FakeMode, close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(fake.mode, req, Buffer.concat(chunks).toString('utf8'), res));
  });
  const answer = (mode: FakeMode, req: http.IncomingMessage, body: string, res: http.ServerResponse): void => {
    const url = req.url ?? '/';
    const [, op, key] = /^\/(set|delete|get)\/([^?]+)/.exec(url) ?? [];
    if (mode === 'redirect') return reply(res, 307, '', { location: `${redirectTo}${url}` });
    if (mode === 'no-leader') return reply(res, 503, 'no leader\n', { 'retry-after': '1' });
    if (mode === 'unavailable' && op === 'get') return reply(res, 503, 'unavailable\n');
    if (op === 'set') {
      if (mode !== 'lose-puts' || !data.has(key)) data.set(key, body);
    } else if (op === 'delete') {
      if (!data.delete(key) && mode !== 'unavailable') return reply(res, 404, '\n');
    } else if (op === 'get') {
      const v = data.get(key);
      return v === undefined ? reply(res, 404, '\n') : reply(res, 200, v);
    } else return reply(res, 404, '404 page not found\n');
    if (mode === 'unavailable') return reply(res, 503, 'acks timed out\n');
    reply(res, 200, op === 'set' ? 'WRITE completed' : 'DELETE completed');
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

function reply(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}
