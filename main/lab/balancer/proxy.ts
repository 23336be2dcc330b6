import { randomBytes } from 'node:crypto';
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Pool } from 'undici';
import type { LabClock } from '../clock';
import type { Policy } from '../config';
import { timeoutOptions } from '../serverTimeouts';
import type { TraceRecorder } from '../trace/recorder';
import type { Header, RoutingDecision } from '../trace/types';
import { dispatchBuffered } from './exchange';
import { pick, type BackendState, type BackendView } from './policies';

export interface BackendTarget {
  id: string;
  lbValue: string;
  /** Origin of the backend, e.g. http://127.0.0.1:8081. */
  origin: string;
}

export interface BalancerSettings {
  policy: Policy;
  cookieName: string;
  redispatch: boolean;
  maxBodyBytes: number;
  upstreamTimeoutMs: number;
  /** Front timeouts for clients (408 and close), read when the balancer starts. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

interface Backend extends BackendView {
  origin: string;
  pool: Pool;
  /** Set by an operator (drain); health only moves between up and down. */
  drained: boolean;
  healthy: boolean;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'host', 'content-length']);
const MAX_HEADER_LINES = 100;

/**
 * The lab's load balancer: a reverse proxy on 127.0.0.1 built on undici. It picks a node by policy,
 * forwards the request, and records the whole exchange with the routing decision in the trace.
 * A connection refused before the request was written is retried on another node (and the node is
 * marked down); a request that was written is never resent.
 */
export class Balancer {
  private server: Server | undefined;
  private readonly backends: Backend[] = [];
  private readonly cursor = { next: 0 };
  private healthTimer: NodeJS.Timeout | undefined;
  /** Exchange ids: unique per balancer instance, cheap per request (no crypto on the hot path). */
  private readonly idPrefix = randomBytes(4).toString('hex');
  private exchanges = 0;
  port = 0;

  constructor(
    private readonly settings: () => BalancerSettings,
    private readonly recorder: TraceRecorder,
    private readonly clock: LabClock,
    targets: BackendTarget[] = [],
  ) {
    for (const t of targets) this.addBackend(t);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<void> {
    const { headersTimeoutMs, requestTimeoutMs } = this.settings();
    const server = createServer({ maxHeaderSize: 32 * 1024, keepAliveTimeout: 5_000, ...timeoutOptions(headersTimeoutMs, requestTimeoutMs) }, (req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.healthTimer = setInterval(() => void this.checkHealth(), 500);
    this.healthTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.healthTimer);
    const s = this.server;
    this.server = undefined;
    if (s) {
      const closed = new Promise<void>((r) => s.close(() => r()));
      s.closeAllConnections();
      await closed;
    }
    await Promise.all(this.backends.map((b) => b.pool.destroy().catch(() => undefined)));
  }

  addBackend(t: BackendTarget): void {
    const pool = new Pool(t.origin, {
      connections: 128,
      pipelining: 1,
      maxHeaderSize: 32 * 1024,
      headersTimeout: this.settings().upstreamTimeoutMs,
      bodyTimeout: this.settings().upstreamTimeoutMs,
      connectTimeout: 2_000,
    });
    this.backends.push({ id: t.id, lbValue: t.lbValue, origin: t.origin, pool, state: 'up', drained: false, healthy: true });
  }

  async removeBackend(id: string): Promise<void> {
    const i = this.backends.findIndex((b) => b.id === id);
    if (i < 0) return;
    const [b] = this.backends.splice(i, 1);
    await b!.pool.destroy().catch(() => undefined);
  }

  /** Round-robin starts over from the first node, as in a freshly started balancer. */
  resetRoundRobin(): void {
    this.cursor.next = 0;
  }

  /** One health check of one node now, instead of waiting for the next interval. */
  async probe(id: string): Promise<BackendState> {
    const b = this.find(id);
    this.setHealth(b, await tcpCheck(b.origin));
    return b.state;
  }

  setDrained(id: string, drained: boolean): void {
    const b = this.find(id);
    b.drained = drained;
    this.refreshState(b);
  }

  states(): { id: string; state: BackendState; origin: string }[] {
    return this.backends.map((b) => ({ id: b.id, state: b.state, origin: b.origin }));
  }

  private find(id: string): Backend {
    const b = this.backends.find((x) => x.id === id);
    if (!b) throw new Error(`no node ${id} behind the balancer`);
    return b;
  }

  private refreshState(b: Backend): void {
    const before = b.state;
    b.state = !b.healthy ? 'down' : b.drained ? 'drained' : 'up';
    if (before === b.state) return;
    const words = { up: 'up', down: 'down', drained: 'drained' }[b.state];
    const type = b.state === 'up' ? (before === 'drained' ? 'node-undrained' : 'node-up') : b.state === 'down' ? 'node-down' : 'node-drained';
    this.recorder.emit(type, `Balancer: node ${b.id} is ${words}`, { node: b.id, data: { from: before, to: b.state } });
  }

  private setHealth(b: Backend, healthy: boolean): void {
    if (b.healthy === healthy) return;
    b.healthy = healthy;
    this.refreshState(b);
  }

  /** TCP health check of every backend (HAProxy's default check when no http-check is set). */
  private async checkHealth(): Promise<void> {
    await Promise.all(this.backends.map(async (b) => this.setHealth(b, await tcpCheck(b.origin))));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = `${this.idPrefix}-${++this.exchanges}`;
    const realStart = Date.now();
    const t0 = performance.now();
    const labStart = this.clock.now();
    const cfg = this.settings();
    const reqHeaders = pairs(req.rawHeaders);
    const browser = /\bbrowser\/([\w-]+)/.exec(String(req.headers['user-agent'] ?? ''))?.[1] ?? null;
    const cookie = readCookie(req.headers.cookie, cfg.cookieName);
    const routing: RoutingDecision = { policy: cfg.policy, reason: '', cookie, node: null, redispatched: false, attempts: [] };
    const timings = { send: 0, wait: 0, receive: 0, total: 0 };
    let reqBody: Buffer = EMPTY;
    let answer: Answer;

    try {
      const bad = frontCheck(req, reqHeaders);
      if (bad) {
        routing.reason = `rejected: ${bad.message}`;
        answer = errorAnswer(bad.status, bad.message);
        answer.headers.push(['Connection', 'close']);
      } else {
        // HAR's `send`: the time the client took to deliver its request body to the balancer.
        const reading = performance.now();
        const read = await readLimited(req, cfg.maxBodyBytes);
        timings.send = performance.now() - reading;
        if (read === TOO_LARGE) {
          routing.reason = 'rejected: body over limit';
          answer = errorAnswer(413, `Request body exceeds the limit of ${cfg.maxBodyBytes} bytes`);
        } else {
          reqBody = read;
          answer = await this.forward(req, reqHeaders, id, reqBody, routing, timings);
        }
      }
    } catch (e) {
      routing.reason = `error: ${(e as Error).message}`;
      answer = { ...errorAnswer(502, 'Bad Gateway'), error: (e as Error).message };
    }

    if (!res.headersSent && !res.destroyed) {
      res.writeHead(answer.status, answer.headers.flat());
      res.end(answer.body);
    }
    timings.total = performance.now() - t0;
    this.recorder.recordExchange({
      id,
      browser,
      labStart,
      labEnd: this.clock.now(),
      realStart,
      request: {
        method: req.method ?? 'GET',
        url: `http://${req.headers.host ?? `127.0.0.1:${this.port}`}${req.url ?? '/'}`,
        path: req.url ?? '/',
        httpVersion: `HTTP/${req.httpVersion}`,
        headers: reqHeaders,
        ...this.recorder.keepBody(reqBody),
      },
      routing,
      response: { status: answer.status, statusText: statusText(answer.status), headers: answer.headers, ...this.recorder.keepBody(answer.body) },
      timings: { send: round(timings.send), wait: round(timings.wait), receive: round(timings.receive), total: round(timings.total) },
      ...(answer.error ? { error: answer.error } : {}),
    });
  }

  /**
   * Picks a node and forwards; on a connection refused (nothing written) the node is marked down
   * and the policy picks again with it excluded — which also yields "redispatch off" when it must.
   */
  private async forward(req: IncomingMessage, reqHeaders: Header[], id: string, body: Buffer, routing: RoutingDecision, timings: { wait: number; receive: number }): Promise<Answer> {
    const cfg = this.settings();
    const exclude = new Set<string>();
    const headers = forwardHeaders(req, reqHeaders, id);
    for (;;) {
      const choice = pick({ policy: cfg.policy, cookieName: cfg.cookieName, cookie: routing.cookie, backends: this.backends, cursor: this.cursor, redispatch: cfg.redispatch, exclude });
      // After a refusal the reason reads as the whole story: "sticky amlbcookie=01; node 01 refused …; sticky node 01 down → 02".
      routing.reason = exclude.size ? `${routing.reason}; ${choice.reason}` : choice.reason;
      if (!choice.node) return { ...errorAnswer(503, 'Service Unavailable: no node can take this request'), error: 'no-node' };
      const b = this.find(choice.node.id);
      routing.node = b.id;
      routing.redispatched ||= choice.redispatched || exclude.size > 0;
      if (choice.redispatched) this.recorder.emit('redispatch', `Balancer: ${choice.reason}`, { node: b.id, exchangeId: id, data: { reason: choice.reason } });
      try {
        const r = await dispatchBuffered(b.pool, { method: req.method ?? 'GET', path: req.url ?? '/', headers, body: body.length ? body : undefined });
        timings.wait = r.wait;
        timings.receive = r.receive;
        routing.attempts.push({ node: b.id, outcome: String(r.status) });
        return { status: r.status, headers: responseHeaders(r.headers, r.body.length), body: r.body };
      } catch (e) {
        const code = (e as { code?: string }).code ?? (e as Error).name ?? 'ERROR';
        routing.attempts.push({ node: b.id, outcome: code });
        if (code === 'ECONNREFUSED') {
          // Nothing was written: safe to mark the node down and let the policy choose again.
          this.setHealth(b, false);
          exclude.add(b.id);
          routing.reason += `; node ${b.id} refused the connection`;
          continue;
        }
        if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
          routing.reason += `; node ${b.id} timed out`;
          return { ...errorAnswer(504, `Gateway Timeout: node ${b.id} did not answer in ${cfg.upstreamTimeoutMs} ms`), error: code };
        }
        // Written and then failed: never resent (it may have been processed).
        routing.reason += `; node ${b.id} failed: ${code}`;
        return { ...errorAnswer(502, `Bad Gateway: node ${b.id} failed (${code})`), error: code };
      }
    }
  }
}

interface Answer {
  status: number;
  headers: Header[];
  body: Buffer;
  /** Structured upstream error (undici code), for the trace. */
  error?: string;
}

/** The balancer's own answers, in AM's JSON error shape. */
function errorAnswer(code: number, message: string): Answer {
  const body = Buffer.from(JSON.stringify({ code, reason: statusText(code), message }));
  return { status: code, headers: [['Content-Type', 'application/json;charset=UTF-8'], ['Content-Length', String(body.length)]], body };
}

/** TCP connect check (HAProxy's default check when no http-check is set). */
function tcpCheck(origin: string): Promise<boolean> {
  const { hostname, port } = new URL(origin);
  return new Promise<boolean>((resolve) => {
    const s = connect({ host: hostname, port: Number(port) });
    s.setTimeout(1_000);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

const TOO_LARGE = Buffer.from('');
const EMPTY = Buffer.alloc(0);

function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> | Buffer {
  // Most requests (GET, logout, ZPL) carry no body: no listeners, no promise.
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    req.resume();
    return EMPTY;
  }
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume();
      req.on('end', () => resolve(TOO_LARGE));
      req.on('error', reject);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? TOO_LARGE : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Framing checks Node's parser lets through but HAProxy and nginx refuse (decided on rawHeaders). */
function frontCheck(req: IncomingMessage, headers: Header[]): { status: number; message: string } | undefined {
  if (headers.length > MAX_HEADER_LINES) return { status: 431, message: `more than ${MAX_HEADER_LINES} header lines` };
  let hosts = 0;
  let lengths = 0;
  let te = false;
  for (const [name] of headers) {
    const n = name.toLowerCase();
    if (n === 'host') hosts++;
    else if (n === 'content-length') lengths++;
    else if (n === 'transfer-encoding') te = true;
  }
  if (hosts > 1) return { status: 400, message: 'duplicate Host header' };
  if (lengths > 1) return { status: 400, message: 'duplicate Content-Length header' };
  if (req.httpVersion === '1.0' && te) return { status: 400, message: 'HTTP/1.0 with Transfer-Encoding' };
  // Origin-form or absolute-form only: `*` or a bare word is no path a node could be asked for.
  if (!/^(?:\/|https?:\/\/)/i.test(req.url ?? '')) return { status: 400, message: 'request target is not a path' };
  return undefined;
}

function forwardHeaders(req: IncomingMessage, headers: Header[], id: string): Record<string, string | string[]> {
  const connection = req.headers.connection;
  const listed = connection && connection !== 'keep-alive' && connection !== 'close' ? new Set(connection.split(',').map((t) => t.trim().toLowerCase())) : undefined;
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of headers) {
    const n = name.toLowerCase();
    if (HOP_BY_HOP.has(n) || listed?.has(n)) continue;
    const prev = out[n];
    out[n] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  if (req.headers.host) out.host = req.headers.host;
  const xff = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = xff ? `${xff}, ${req.socket.remoteAddress}` : (req.socket.remoteAddress ?? '127.0.0.1');
  out['x-forwarded-proto'] = 'http';
  out['x-lab-exchange'] = id;
  return out;
}

function responseHeaders(h: Header[], length: number): Header[] {
  const out: Header[] = [];
  for (const pair of h) if (!HOP_BY_HOP.has(pair[0].toLowerCase())) out.push(pair);
  out.push(['content-length', String(length)]);
  return out;
}

function pairs(raw: string[]): Header[] {
  const out: Header[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/** The sticky cookie's value on a request, or null (a balancer reads it the way HAProxy does). */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function statusText(code: number): string {
  return code === 413 ? 'Request Entity Too Large' : (STATUS_CODES[code] ?? '');
}

const round = (n: number) => Math.round(n * 1000) / 1000;
