// The floor of any one-threaded Node balancer, for comparison only: node:http in front, undici Pools
// behind (the lab balancer's own parts), routing on amlbcookie (round-robin without it), the whole
// body buffered — and nothing else: no trace, no routing decision recorded, no framing checks, no
// health checks. The lab balancer's distance to this row is what its features cost; this row's
// distance to HAProxy is what one Node thread costs.
// Usage: node --import tsx bench/node-floor.ts 01=http://127.0.0.1:P1 02=… → prints {"port"}.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { dispatchBuffered } from '../main/lab/balancer/exchange';
import { readCookie } from '../main/lab/balancer/router';

const backends = process.argv.slice(2).map((arg) => {
  const [id, origin] = arg.split('=');
  if (!id || !origin) throw new Error(`expected <id>=<origin>, got ${arg}`);
  return { id, pool: new Pool(origin, { connections: 128, pipelining: 1 }) };
});
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);
let next = 0;

async function proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  const sticky = readCookie(req.headers.cookie, 'amlbcookie');
  const b = backends.find((x) => x.id === sticky) ?? backends[next++ % backends.length]!;
  const headers: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) if (!HOP.has(req.rawHeaders[i]!.toLowerCase())) headers.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  try {
    const r = await dispatchBuffered(b.pool, { method: req.method ?? 'GET', path: req.url ?? '/', headers, body: body.length ? body : undefined });
    const out: string[] = [];
    for (const [k, v] of r.headers) if (!HOP.has(k.toLowerCase())) out.push(k, v);
    out.push('content-length', String(r.body.length));
    res.writeHead(r.status, out);
    res.end(r.body);
  } catch {
    res.writeHead(502).end();
  }
}

const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => void proxy(req, res));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
