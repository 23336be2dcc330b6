// A light stand-in for an AM node: any path gets a small JSON answer and `amlbcookie=<id>`, as AM
// sets it, so the proxies in front (not this server) are what the bench measures.
// Usage: node --import tsx bench/backend.ts <id> [padBytes]  → prints {"id","port"} once listening.
// padBytes makes every answer that much larger (words, as a real page or JSON would be).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const id = process.argv[2] ?? '01';
const pad = Number(process.argv[3] ?? 0);
const body = JSON.stringify({ node: id, ok: true, ...(pad > 0 ? { pad: 'lorem ipsum '.repeat(Math.ceil(pad / 12)).slice(0, pad) } : {}) });
let served = 0;

const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  // The bench asks each backend directly how many requests reached it (to check routing).
  if (req.url === '/bench/served') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, served }));
    return;
  }
  served++;
  req.resume();
  req.on('end', () => {
    res.writeHead(200, {
      'content-type': 'application/json;charset=UTF-8',
      'content-length': Buffer.byteLength(body),
      'set-cookie': `amlbcookie=${id}; Path=/`,
    });
    res.end(body);
  });
});

server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ id, port: (server.address() as AddressInfo).port }));
});

process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
