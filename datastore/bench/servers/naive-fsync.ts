import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

/**
 * The naive durable server: each PUT is appended to a log and fdatasync'ed on its own, one write
 * after another (no batching); GET serves from a Map.
 */
const port = Number(process.env.PORT);
const fd = fs.openSync(path.join(process.env.DATADIR!, 'naive.log'), 'a');
const values = new Map<string, Buffer>();
let chain: Promise<void> = Promise.resolve();

function appendAndSync(buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    fs.write(fd, buf, (err) => (err ? reject(err) : fs.fdatasync(fd, (e) => (e ? reject(e) : resolve())))),
  );
}

http
  .createServer((req, res) => {
    const key = (req.url ?? '').slice(5);
    if (req.method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        chain = chain.then(() => appendAndSync(Buffer.concat([Buffer.from(`${key}\n`), body])));
        chain.then(() => {
          values.set(key, body);
          res.end('WRITE completed');
        }, () => res.writeHead(500).end());
      });
      return;
    }
    const v = values.get(key);
    if (!v) return void res.writeHead(404).end('\n');
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': v.length });
    res.end(v);
  })
  .listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
