import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closeClients, MehdbProcess, request, startNode, tmpDir } from './support/cluster';

describe('upstream API on a leader started from the bin', () => {
  let leader: MehdbProcess;
  before(async () => {
    leader = await startNode({ host: 'mehdb-0', dataDir: tmpDir(), env: { MEHDB_MAX_VALUE_BYTES: '65536', MEHDB_MAX_KEY_BYTES: '64' } });
  });
  after(async () => {
    assert.equal(await leader.stop(), 0, 'SIGTERM exits 0');
  });

  it('PUT /set/<key> answers 200 "WRITE completed" and GET returns the raw bytes', async () => {
    const put = await request('PUT', `${leader.url}/set/hello`, 'world');
    assert.equal(put.status, 200);
    assert.equal(put.text, 'WRITE completed');
    const get = await request('GET', `${leader.url}/get/hello`);
    assert.equal(get.status, 200);
    assert.equal(get.text, 'world');
    assert.equal(get.headers['content-type'], 'application/octet-stream');
    assert.equal(get.headers['x-content-type-options'], 'nosniff');
  });

  it('overwrite replaces; binary values round-trip byte for byte', async () => {
    const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await request('PUT', `${leader.url}/set/blob`, 'first');
    assert.equal((await request('PUT', `${leader.url}/set/blob`, bin)).status, 200);
    assert.deepEqual((await request('GET', `${leader.url}/get/blob`)).body, bin);
  });

  it('stored HTML is still served as octet-stream (no sniffing)', async () => {
    await request('PUT', `${leader.url}/set/page`, '<html><script>alert(1)</script></html>');
    const r = await request('GET', `${leader.url}/get/page`);
    assert.equal(r.headers['content-type'], 'application/octet-stream');
  });

  it('missing key: 404 with body "\\n"', async () => {
    const r = await request('GET', `${leader.url}/get/nosuchkey`);
    assert.equal(r.status, 404);
    assert.equal(r.text, '\n');
  });

  it('/keys is a sorted JSON array plus newline; /status and ?level=full as upstream', async () => {
    const keys = await request('GET', `${leader.url}/keys`);
    assert.equal(keys.status, 200);
    assert.ok(keys.text.endsWith('\n'));
    const list = JSON.parse(keys.text) as string[];
    assert.deepEqual(list, [...list].sort());
    assert.ok(list.includes('hello'));
    const status = await request('GET', `${leader.url}/status`);
    assert.equal(status.text, 'leader');
    const full = await request('GET', `${leader.url}/status?level=full`);
    assert.equal(full.status, 200);
    assert.equal(full.text, `${list.length}\n`);
  });

  it('DELETE /delete/<key> removes the key; a second delete is 404', async () => {
    await request('PUT', `${leader.url}/set/gone`, 'x');
    const d = await request('DELETE', `${leader.url}/delete/gone`);
    assert.equal(d.status, 200);
    assert.equal(d.text, 'DELETE completed');
    assert.equal((await request('GET', `${leader.url}/get/gone`)).status, 404);
    assert.equal((await request('DELETE', `${leader.url}/delete/gone`)).status, 404);
  });

  it('unknown paths are "404 page not found"; wrong methods are 405', async () => {
    const r = await request('GET', `${leader.url}/nothing/here`);
    assert.equal(r.status, 404);
    assert.equal(r.text, '404 page not found\n');
    assert.equal((await request('POST', `${leader.url}/set/abc`, 'x')).status, 405);
    assert.equal((await request('PUT', `${leader.url}/get/abc`, 'x')).status, 405);
    assert.equal((await request('DELETE', `${leader.url}/keys`)).status, 405);
  });

  it('widened key syntax: digits, upper case, "-", "_", "." (not first) are accepted', async () => {
    for (const k of ['a1', 'ABC', 'with-dash', 'under_score', 'v1.2']) {
      assert.equal((await request('PUT', `${leader.url}/set/${k}`, k)).status, 200, k);
      assert.equal((await request('GET', `${leader.url}/get/${k}`)).text, k);
    }
    for (const k of ['.hidden', '..', '%2e%2e', 'a%2Fb', 'a b']) {
      assert.equal((await request('GET', `${leader.url}/get/${k}`)).status, 404, k);
    }
  });

  it('limits: value and key past the maximum get 413', async () => {
    assert.equal((await request('PUT', `${leader.url}/set/big`, Buffer.alloc(65537))).status, 413);
    assert.equal((await request('PUT', `${leader.url}/set/fits`, Buffer.alloc(65536))).status, 200);
    assert.equal((await request('GET', `${leader.url}/get/${'k'.repeat(65)}`)).status, 413);
    assert.equal((await request('GET', `${leader.url}/status`)).status, 200);
  });

  it('health, readiness and Prometheus metrics', async () => {
    assert.equal((await request('GET', `${leader.url}/healthz`)).status, 200);
    assert.equal((await request('GET', `${leader.url}/readyz`)).status, 200);
    const m = await request('GET', `${leader.url}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.text, /^# TYPE mehdb_keys gauge$/m);
    assert.match(m.text, /^mehdb_is_leader 1$/m);
    assert.match(m.text, /^mehdb_fsyncs_total [1-9][0-9]*$/m);
    assert.match(m.text, /^mehdb_commit_seconds_bucket\{le="\+Inf"\} [1-9][0-9]*$/m);
  });

  it('logs are JSON lines and there is no line per request by default', async () => {
    const lines = leader.logs.join('').split('\n').filter(Boolean);
    for (const l of lines) assert.doesNotThrow(() => JSON.parse(l), l);
    assert.ok(lines.length < 10, `few log lines, got ${lines.length}`);
  });
});

describe('configuration errors', () => {
  it('a bad value stops the start with a clear message and exit code 2', async () => {
    const p = await startNode({ host: 'mehdb-0', dataDir: tmpDir(), env: { MEHDB_MAX_VALUE_BYTES: 'lots' } }, false);
    assert.equal(await p.exited, 2);
    assert.match(p.logs.join(''), /MEHDB_MAX_VALUE_BYTES must be an integer/);
  });

  it('an unusable data dir stops the start with exit code 1 and a log line', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const file = path.join(tmpDir(), 'not-a-dir');
    fs.writeFileSync(file, 'x');
    const p = await startNode({ host: 'mehdb-0', dataDir: file }, false);
    assert.equal(await p.exited, 1);
    assert.match(p.logs.join(''), /"msg":"cannot start: opening the data directory failed","error":"(EEXIST|ENOTDIR)"/);
  });
});


describe('graceful SIGTERM', () => {
  it('stops accepting, finishes the request in flight, flushes, exits 0', async () => {
    const net = await import('node:net');
    const dataDir = tmpDir();
    const node = await startNode({ host: 'mehdb-0', dataDir });
    const sock = net.connect(node.opts.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let answer = '';
    sock.on('data', (d) => (answer += d.toString()));
    sock.write('PUT /set/inflight HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello');
    await new Promise((r) => setTimeout(r, 200));
    node.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(request('GET', `${node.url}/status`, undefined, 2000), 'no new connections once stopping');
    sock.write(' world');
    const code = await node.exited;
    sock.destroy();
    assert.equal(code, 0);
    assert.match(answer, /^HTTP\/1\.1 200/);
    assert.match(answer, /WRITE completed$/);
    const again = await startNode({ host: 'mehdb-0', dataDir });
    assert.equal((await request('GET', `${again.url}/get/inflight`)).text, 'hello world');
    assert.equal(await again.stop(), 0);
  });
});

after(() => closeClients());
