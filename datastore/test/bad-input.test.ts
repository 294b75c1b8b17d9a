import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MehdbProcess, closeClients, request, sleep, startNode, tmpDir } from './support/cluster';

interface Raw {
  status: number | undefined; // undefined: closed without a response
  text: string;
  closedAfterMs: number;
}

/** Sends raw bytes (optionally in timed pieces) and reads until the server closes or `timeoutMs`. */
function raw(port: number, pieces: Array<string | Buffer>, gapMs = 0, timeoutMs = 4000): Promise<Raw> {
  return new Promise((resolve) => {
    const started = Date.now();
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : undefined, text, closedAfterMs: Date.now() - started });
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.on('data', (d) => chunks.push(d));
    sock.on('close', finish);
    sock.on('error', finish);
    sock.on('connect', async () => {
      for (const p of pieces) {
        if (done || sock.destroyed) return;
        sock.write(p);
        if (gapMs) await sleep(gapMs);
      }
    });
  });
}

const req = (line: string, headers: string[] = [], body = ''): string =>
  `${line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers.map((h) => h + '\r\n').join('')}\r\n${body}`;

describe('bad input corpus against a leader and a follower', () => {
  let leader: MehdbProcess;
  let follower: MehdbProcess;
  let dataDir: string;
  const env = {
    MEHDB_MAX_VALUE_BYTES: String(1 << 20),
    MEHDB_HEADERS_TIMEOUT_MS: '1500',
    MEHDB_REQUEST_TIMEOUT_MS: '2500',
  };
  before(async () => {
    dataDir = tmpDir();
    leader = await startNode({ host: 'mehdb-0', dataDir, env });
    follower = await startNode({ host: 'mehdb-1', dataDir: tmpDir(), leaderUrl: leader.url, env });
    await request('PUT', `${leader.url}/set/abc`, 'value');
  });
  after(async () => {
    assert.equal(await follower.stop(), 0);
    assert.equal(await leader.stop(), 0);
    closeClients();
  });

  // [name, request pieces, allowed statuses (undefined = server closed without answering)]
  const big = 'x'.repeat(64 * 1024);
  const corpus: Array<[string, Array<string | Buffer>, Array<number | undefined>]> = [
    ['dot-dot traversal in get', [req('GET /get/../../etc/passwd HTTP/1.1')], [404]],
    ['encoded traversal in get', [req('GET /get/..%2F..%2Fetc%2Fpasswd HTTP/1.1')], [404]],
    ['encoded dots', [req('GET /get/%2e%2e HTTP/1.1')], [404]],
    ['traversal in set', [req('PUT /set/..%2f..%2fescaped HTTP/1.1', ['Content-Length: 3'], 'bad')], [404]],
    ['slash inside a key', [req('PUT /set/a/b HTTP/1.1', ['Content-Length: 3'], 'bad')], [404]],
    ['NUL in a key', [req('GET /get/a%00b HTTP/1.1')], [404]],
    ['raw NUL byte in the path', [Buffer.from('GET /get/a\u0000b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'latin1')], [400]],
    ['raw UTF-8 in the path', [Buffer.from('GET /get/\u00e9t\u00e9 HTTP/1.1\r\nConnection: close\r\n\r\n', 'utf8')], [400, 404]],
    ['absolute file path as key', [req('GET /get//etc/passwd HTTP/1.1')], [404]],
    ['double slash', [req('GET //get/abc HTTP/1.1')], [404]],
    ['empty key', [req('PUT /set/ HTTP/1.1', ['Content-Length: 1'], 'x')], [404]],
    ['absolute-form URL', [req('GET http://elsewhere.example/get/abc HTTP/1.1')], [404]],
    ['key past the limit', [req(`GET /get/${'k'.repeat(300)} HTTP/1.1`)], [413]],
    ['huge Content-Length', [req('PUT /set/huge HTTP/1.1', ['Content-Length: 1000000000000'])], [413]],
    ['body over the limit', [req('PUT /set/huge HTTP/1.1', [`Content-Length: ${(1 << 20) + 1}`]), 'x'.repeat(1 << 16)], [413]],
    ['chunked body over the limit', [req('PUT /set/huge HTTP/1.1', ['Transfer-Encoding: chunked']), ...Array.from({ length: 20 }, () => `10000\r\n${big}\r\n`)], [413, undefined]],
    ['broken chunk size', [req('PUT /set/abc HTTP/1.1', ['Transfer-Encoding: chunked'], 'zz\r\nabc\r\n0\r\n\r\n')], [400]],
    ['chunk shorter than announced', [req('PUT /set/abc HTTP/1.1', ['Transfer-Encoding: chunked'], '5\r\nab\r\n0\r\n\r\n')], [400, undefined]],
    ['chunked and Content-Length together', [req('PUT /set/abc HTTP/1.1', ['Transfer-Encoding: chunked', 'Content-Length: 3'], '3\r\nabc\r\n0\r\n\r\n')], [400]],
    ['two different Content-Lengths', [req('PUT /set/abc HTTP/1.1', ['Content-Length: 3', 'Content-Length: 5'], 'abc')], [400]],
    ['negative Content-Length', [req('PUT /set/abc HTTP/1.1', ['Content-Length: -1'], 'abc')], [400]],
    ['unknown method', [req('FOO /keys HTTP/1.1')], [400, 405]],
    ['PROPFIND', [req('PROPFIND /keys HTTP/1.1')], [405]],
    ['TRACE', [req('TRACE /status HTTP/1.1')], [405]],
    ['OPTIONS on set', [req('OPTIONS /set/abc HTTP/1.1')], [405]],
    ['PATCH on get', [req('PATCH /get/abc HTTP/1.1', ['Content-Length: 1'], 'x')], [405]],
    ['DELETE on keys', [req('DELETE /keys HTTP/1.1')], [405]],
    ['POST to set', [req('POST /set/abc HTTP/1.1', ['Content-Length: 1'], 'x')], [405]],
    ['CONNECT', [req('CONNECT 127.0.0.1:22 HTTP/1.1')], [400, 404, 405, undefined]],
    ['binary garbage', [Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10])], [400]],
    ['HTTP/0.9 request line (node parses it leniently)', ['GET /keys\r\n\r\n'], [200, 400, undefined]],
    ['header too large', [req('GET /keys HTTP/1.1', [`X-Big: ${'a'.repeat(20000)}`])], [431]],
    ['control character in a header', [req('GET /keys HTTP/1.1', ['X-Bad: a\u0001b'])], [400]],
    ['huge Expect: 100-continue', [req('PUT /set/abc HTTP/1.1', ['Content-Length: 999999999', 'Expect: 100-continue'])], [413]],
    ['bad since in replication', [req('GET /replication/changes?since=-1 HTTP/1.1')], [400]],
    ['path in store id', [req('GET /replication/changes?since=0&store=../../etc HTTP/1.1')], [400]],
    ['pipelined burst', [Array.from({ length: 50 }, () => 'GET /status HTTP/1.1\r\nHost: x\r\n\r\n').join('') + req('GET /status HTTP/1.1')], [200]],
  ];

  it(`answers every entry of the corpus as expected (4xx or a close for anything malformed) and keeps serving`, async (t) => {
    let tried = 0;
    for (const node of [leader, follower]) {
      for (const [name, pieces, allowed] of corpus) {
        const r = await raw(node.opts.port, pieces);
        tried++;
        // A follower redirects writes to valid keys before looking at the body.
        const redirected = node === follower && r.status === 307 && /^PUT \/set\/[a-z]+ /.test(String(pieces[0]));
        assert.ok(allowed.includes(r.status) || redirected, `${node.opts.host} ${name}: got ${r.status} ${JSON.stringify(r.text.slice(0, 120))}`);
        assert.ok(!r.text.includes(dataDir) && !r.text.includes('/tmp') && !/ENOENT|EACCES|node:internal/.test(r.text), `${name}: leaks nothing`);
        assert.equal((await request('GET', `${node.url}/status`)).status, 200, `${name}: still serving`);
      }
    }
    // Nothing escaped the data dir: the value written first is intact and no new key appeared.
    assert.equal((await request('GET', `${leader.url}/get/abc`)).text, 'value');
    assert.deepEqual(JSON.parse((await request('GET', `${leader.url}/keys`)).text), ['abc']);
    t.diagnostic(`bad inputs tried: ${tried}`);
  });

  it('a follower redirects a write without reading its (large) body', async () => {
    const r = await raw(follower.opts.port, [req('PUT /set/abc HTTP/1.1', ['Content-Length: 50000000'])]);
    assert.equal(r.status, 307);
    assert.match(r.text, new RegExp(`Location: ${leader.url}/set/abc`, 'i'));
  });

  it('slow clients are cut off by the timeouts while others are served', async () => {
    const slowHeaders = raw(leader.opts.port, 'GET /keys HTTP/1.1\r\nHost: x\r\n'.split(''), 300, 10_000);
    const slowBody = raw(leader.opts.port, [req('PUT /set/slow HTTP/1.1', ['Content-Length: 100'], 'only ten b')], 0, 10_000);
    const idle = raw(leader.opts.port, [], 0, 12_000); // connects and says nothing
    await sleep(200);
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) assert.equal((await request('GET', `${leader.url}/get/abc`)).status, 200);
    assert.ok(Date.now() - t0 < 5000, 'others are served meanwhile');
    const [h, b, i] = await Promise.all([slowHeaders, slowBody, idle]);
    for (const [name, r] of [['slow headers', h], ['slow body', b], ['idle connection', i]] as const) {
      assert.ok(r.closedAfterMs < 8000, `${name} closed by the server after ${r.closedAfterMs} ms`);
      assert.ok(r.status === undefined || r.status === 408, `${name}: ${r.status}`);
    }
    assert.equal((await request('GET', `${leader.url}/get/slow`)).status, 404, 'the cut-off body was not stored');
  });
});
