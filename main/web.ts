/**
 * The browser host: the same renderer and the same contract as the Electron window, served on
 * 127.0.0.1 — commands and pushes over a WebSocket, and every command as JSON over HTTP so a
 * script can drive a demo. It is a local control plane (it can kill nodes and end sessions), so:
 * loopback Host allow-list (DNS rebinding), Origin check on every POST and on the WebSocket
 * upgrade (cross-site requests), a per-launch token, and no CORS at all.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join, resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_IMPORT_BYTES, TOKEN_HEADER, WS_PROTOCOL, WsRequestSchema, commandNames, describeIssues, type Outcome, type WsResponse } from './contract';
import type { LabBridge } from './bridge';
import { PROJECT_ROOT } from './paths';
import { timeoutOptions } from './lab/serverTimeouts';
import { contentSecurityPolicy, readStatic, resolveStatic } from './staticFiles';

export const DEFAULT_RENDERER_DIR = join(PROJECT_ROOT, 'out', 'renderer');
/** Commands are small; a HAR import is the one large input (the importer caps it at 50 MB). */
const MAX_BODY = 1024 * 1024;
/** A window that reads slower than this is behind; it gets a resync instead of an unbounded queue. */
const MAX_BUFFERED = 16 * 1024 * 1024;

export interface WebHostOptions {
  bridge: LabBridge;
  /** 0 = any free port. */
  port?: number;
  rendererDir?: string;
  /** Per-launch token; random unless a test fixes it. */
  token?: string;
  /** Time a client has for its request headers / whole request (default 10 s / 60 s), then 408. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface WebHost {
  /** The URL to open, token in the fragment (never sent to the server, never logged by it). */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const STATUS_FOR: Record<string, number> = { 'invalid-input': 400, 'unknown-command': 404, 'lab-error': 409, internal: 500 };
const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 421: 'Misdirected Request', 500: 'Internal Server Error', 503: 'Service Unavailable' };

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const { bridge } = opts;
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const tokenDigest = digest(token);
  const rendererDir = resolve(opts.rendererDir ?? DEFAULT_RENDERER_DIR);
  let port = 0;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const hostOk = (req: IncomingMessage) => allowedHosts().has(String(req.headers.host ?? '').toLowerCase());
  // No Origin means a script (curl, node), which the token still gates; a browser always sends one.
  const originOk = (req: IncomingMessage) => {
    const o = req.headers.origin;
    return o === undefined || [...allowedHosts()].some((h) => o.toLowerCase() === `http://${h}`);
  };
  const tokenOk = (candidate: string | undefined) => typeof candidate === 'string' && timingSafeEqual(digest(candidate), tokenDigest);

  const baseHeaders = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...baseHeaders, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  // AM's error shape, so scripts handle the lab and AM alike.
  const fail = (res: ServerResponse, status: number, message: string) => json(res, status, { code: status, reason: REASONS[status] ?? 'Error', message });

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const file = await readStatic(rendererDir, pathname);
    if (!file) {
      const wanted = resolveStatic(rendererDir, pathname);
      if (wanted && wanted === resolve(rendererDir, 'index.html')) return notBuilt(req, res);
      return fail(res, 404, 'Not found');
    }
    const headers: Record<string, string | number> = { ...baseHeaders, 'content-type': file.type, 'content-length': file.body.length };
    if (file.isHtml) {
      // The WebSocket is named explicitly: older engines do not count ws: as 'self'.
      headers['content-security-policy'] = contentSecurityPolicy(`'self' ws://${String(req.headers.host)}`);
      headers['cache-control'] = 'no-store';
    } else {
      headers['cache-control'] = pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    }
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  function notBuilt(req: IncomingMessage, res: ServerResponse): void {
    const html = `<!doctype html><html lang="en"><meta charset="utf-8"><title>AM Session Lab</title><body style="font:16px system-ui;margin:4rem auto;max-width:40rem;color:#1d2733"><h1>The window has not been built yet</h1><p>The lab is running, but <code>${rendererDir}</code> holds no <code>index.html</code>.</p><p>Run <code>npm run build</code>, then reload this page. Scripts can already drive the lab: <code>POST /api/&lt;command&gt;</code> with the token header <code>${TOKEN_HEADER}</code>.</p></body></html>`;
    res.writeHead(503, { ...baseHeaders, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'", 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  async function readJson(req: IncomingMessage, limit: number): Promise<{ ok: true; value: unknown } | { ok: false; status: number; message: string }> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) return { ok: false, status: 413, message: `Request body exceeds ${limit} bytes` };
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8').trim();
    if (!text) return { ok: true, value: {} };
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return { ok: false, status: 400, message: 'The body is not valid JSON' };
    }
  }

  async function api(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const bearer = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const supplied = (req.headers[TOKEN_HEADER] as string | undefined) ?? bearer;
    if (!tokenOk(supplied)) return fail(res, 401, `Missing or wrong lab token: send the token printed at start in the ${TOKEN_HEADER} header`);
    if (pathname === '/api' || pathname === '/api/') {
      if (req.method !== 'GET') return fail(res, 405, 'GET /api lists the commands; POST /api/<command> runs one');
      return json(res, 200, { commands: commandNames });
    }
    if (req.method !== 'POST') return fail(res, 405, 'Commands are POST /api/<command> with a JSON body');
    const type = String(req.headers['content-type'] ?? '');
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > 0 && !/^application\/json\b/i.test(type)) return fail(res, 415, 'Send the command input as application/json');
    const body = await readJson(req, pathname === '/api/importHar' ? MAX_IMPORT_BYTES + 1024 : MAX_BODY);
    if (!body.ok) {
      // The rest of an oversized body is never read: close the connection rather than reuse it.
      if (body.status === 413) {
        const socket = req.socket;
        res.setHeader('connection', 'close');
        res.once('finish', () => socket?.destroy());
      }
      return fail(res, body.status, body.message);
    }
    const outcome = await bridge.call(pathname.slice('/api/'.length), body.value);
    if (outcome.ok) return json(res, 200, outcome.value);
    return fail(res, STATUS_FOR[outcome.error.kind] ?? 500, outcome.error.message);
  }

  const server = createServer(timeoutOptions(opts.headersTimeoutMs ?? 10_000, opts.requestTimeoutMs ?? 60_000), (req, res) => {
    void (async () => {
      if (!hostOk(req)) return fail(res, 421, `Host ${JSON.stringify(String(req.headers.host ?? '')).slice(0, 80)} is not this lab; open ${`http://127.0.0.1:${port}/`}`);
      const pathname = new URL(req.url ?? '/', 'http://x').pathname;
      const isApi = pathname === '/api' || pathname.startsWith('/api/');
      if (req.method === 'OPTIONS') return fail(res, 405, 'This host answers no cross-origin requests');
      if ((req.method !== 'GET' && req.method !== 'HEAD') || isApi) {
        if (!originOk(req)) return fail(res, 403, `Origin ${String(req.headers.origin).slice(0, 80)} may not drive this lab`);
      }
      if (isApi) return api(req, res, pathname);
      if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'Static files are GET only');
      return serveStatic(req, res, pathname);
    })().catch((e: unknown) => {
      if (!res.headersSent) fail(res, 500, `The host failed: ${(e as Error).message}`);
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_IMPORT_BYTES + 1024,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });

  const refuse = (socket: Duplex, status: number, message: string) => {
    const body = JSON.stringify({ code: status, reason: REASONS[status], message });
    socket.end(`HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!hostOk(req)) return refuse(socket, 421, 'Host is not this lab');
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/ws') return refuse(socket, 404, 'The WebSocket is at /ws');
    if (!originOk(req)) return refuse(socket, 403, 'Origin may not drive this lab');
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const supplied = offered.find((p) => p.startsWith('token.'))?.slice('token.'.length);
    if (!offered.includes(WS_PROTOCOL) || !tokenOk(supplied)) return refuse(socket, 401, `Missing or wrong lab token (subprotocols ${WS_PROTOCOL}, token.<token>)`);
    wss.handleUpgrade(req, socket, head, (ws) => connect(ws));
  });

  function connect(ws: WebSocket): void {
    let behind = false;
    const send = (m: WsResponse) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
    };
    const unsubscribe = bridge.subscribe((message) => {
      // Bounded: a window that stops reading loses pushes, then is told to refetch the trace.
      if (ws.bufferedAmount > MAX_BUFFERED) {
        behind = true;
        return;
      }
      if (behind && message.type === 'trace') {
        behind = false;
        send({ type: 'push', message: { type: 'resync' } });
        return;
      }
      send({ type: 'push', message });
    });
    ws.on('message', (data, isBinary) => {
      void (async () => {
        let raw: unknown;
        try {
          raw = JSON.parse(isBinary ? '' : data.toString());
        } catch {
          return send({ type: 'result', id: -1, outcome: { ok: false, error: { kind: 'invalid-input', message: 'A message must be JSON {id, command, input}' } } });
        }
        const parsed = WsRequestSchema.safeParse(raw);
        if (!parsed.success) {
          const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : -1;
          return send({ type: 'result', id, outcome: { ok: false, error: { kind: 'invalid-input', message: describeIssues(parsed.error) } } });
        }
        const outcome: Outcome<unknown> = await bridge.call(parsed.data.command, parsed.data.input);
        send({ type: 'result', id: parsed.data.id, outcome });
      })();
    });
    ws.on('close', unsubscribe);
    ws.on('error', () => ws.terminate());
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeAllConnections();
        // Say goodbye to each window, but do not wait long for slow ones.
        const clients = [...wss.clients];
        for (const ws of clients) ws.close(1001, 'lab stopping');
        await Promise.race([Promise.all(clients.map((ws) => new Promise((r) => ws.once('close', r)))), new Promise((r) => setTimeout(r, 500).unref())]);
        for (const ws of clients) ws.terminate();
        wss.close();
        await closed;
      })()),
  };
}
