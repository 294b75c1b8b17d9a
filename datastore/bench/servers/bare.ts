import * as http from 'node:http';

/** The runtime's floor: node:http answering a fixed value, nothing else. */
const value = Buffer.alloc(100, 'v');
const port = Number(process.env.PORT);
http
  .createServer((req, res) => {
    if (req.method === 'PUT') {
      req.resume();
      req.on('end', () => res.end('WRITE completed'));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': value.length });
    res.end(value);
  })
  .listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
