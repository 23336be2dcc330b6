import { randomBytes } from 'node:crypto';
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Pool } from 'undici';
import type { LabClock } from '../clock';
import { timeoutOptions } from '../serverTimeouts';
import type { TraceSink } from '../trace/recorder';
import type { Header, RoutingDecision } from '../trace/types';
import { clientOf } from '../client/userAgent';
import { dispatchBuffered } from './exchange';
import { healthCheck } from './health';
import { type BackendState, type BackendView } from './policies';
import { PolicyRouter, type Router, type RoutingSettings } from './router';

export interface BackendTarget {
  id: string;
  lbValue: string;
  /** Origin of the backend, e.g. http://127.0.0.1:8081. */
  origin: string;
}

export interface BalancerSettings extends RoutingSettings {
  maxBodyBytes: number;
  upstreamTimeoutMs: number;
  /** Front timeouts for clients (408 and close), read when the balancer starts. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** A customer's balancer model or a real balancer in front of the nodes; absent = the lab's policy. */
  router?: Router;
}

/** How a balancer process listens beside others (`session-lab balance --processes N`). */
export interface ShareOptions {
  /** Accept on this listening socket (another process's, passed over IPC) instead of a port of its own. */
  handle?: NetServer;
  /** Node up/down events are the first balancer's to tell; this one keeps its health to itself. */
  quiet?: boolean;
}

/** The balancer's certificate when it speaks HTTPS (generated at runtime, see tls.ts). */
export interface TlsIdentity {
  key: string;
  cert: string;
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
  private readonly policyRouter = new PolicyRouter();
  private healthTimer: NodeJS.Timeout | undefined;
  /** Exchange ids: unique per balancer instance, cheap per request (no crypto on the hot path). */
  private readonly idPrefix = randomBytes(4).toString('hex');
  private exchanges = 0;
  port = 0;

  constructor(
    private readonly settings: () => BalancerSettings,
    private readonly recorder: TraceSink,
    private readonly clock: LabClock,
    targets: BackendTarget[] = [],
  ) {
    for (const t of targets) this.addBackend(t);
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  private tls: TlsIdentity | undefined;

  private quiet = false;

  async start(port = 0, tls?: TlsIdentity, share: ShareOptions = {}): Promise<void> {
    this.quiet = share.quiet === true;
    await this.listen(port, tls, share.handle);
    this.healthTimer = setInterval(() => void this.checkHealth(), 500);
    this.healthTimer.unref();
  }

  /** Listens again on the same port, with or without TLS (the lab's --https flipped live). */
  async relisten(tls: TlsIdentity | undefined): Promise<void> {
    await this.close();
    await this.listen(this.port, tls);
  }

  /** The listening socket, for another balancer process to accept on too (plain HTTP only). */
  get listening(): NetServer | undefined {
    return this.tls ? undefined : this.server;
  }

  private async listen(port: number, tls: TlsIdentity | undefined, handle?: NetServer): Promise<void> {
    const { headersTimeoutMs, requestTimeoutMs } = this.settings();
    const opts = { maxHeaderSize: 32 * 1024, keepAliveTimeout: 5_000, ...timeoutOptions(headersTimeoutMs, requestTimeoutMs) };
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const server: Server = tls ? createTlsServer({ ...opts, key: tls.key, cert: tls.cert }, handler) : createServer(opts, handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (handle) server.listen(handle, () => resolve());
      else server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.tls = tls;
    this.port = (server.address() as AddressInfo).port;
  }

  private async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) {
      const closed = new Promise<void>((r) => s.close(() => r()));
      s.closeAllConnections();
      await closed;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.healthTimer);
    await this.close();
    await Promise.all(this.backends.map((b) => b.pool.destroy().catch(() => undefined)));
  }

  addBackend(t: BackendTarget): void {
    const pool = new Pool(t.origin, {
      connections: 128,
      pipelining: 1,
      maxHeaderSize: 32 * 1024,
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
    this.policyRouter.reset();
    this.settings().router?.reset?.();
  }

  /** One health check of one node now, instead of waiting for the next interval. */
  async probe(id: string): Promise<BackendState> {
    const b = this.find(id);
    this.setHealth(b, await healthCheck(b.origin, this.router().healthProbe?.()));
    return b.state;
  }

  private router(cfg = this.settings()): Router {
    return cfg.router ?? this.policyRouter;
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
    if (before === b.state || this.quiet) return;
    const type = b.state === 'up' ? (before === 'drained' ? 'node-undrained' : 'node-up') : b.state === 'down' ? 'node-down' : 'node-drained';
    this.recorder.emit(type, { node: b.id, data: { by: 'balancer', from: before, to: b.state } });
  }

  private setHealth(b: Backend, healthy: boolean): void {
    if (b.healthy === healthy) return;
    b.healthy = healthy;
    this.refreshState(b);
  }

  /** Health check of every backend: TCP connect (HAProxy's default), or the HTTP check the model asks for. */
  private async checkHealth(): Promise<void> {
    const probe = this.router().healthProbe?.();
    await Promise.all(this.backends.map(async (b) => this.setHealth(b, await healthCheck(b.origin, probe))));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = `${this.idPrefix}-${++this.exchanges}`;
    const realStart = Date.now();
    const t0 = performance.now();
    const labStart = this.clock.now();
    const cfg = this.settings();
    const reqHeaders = pairs(req.rawHeaders);
    const { browser, tag } = clientOf(req.headers['user-agent']);
    const router = this.router(cfg);
    const cookie = router.stickyCookie(req.headers.cookie, cfg);
    const cookieName = router.stickyCookieName(cfg);
    const routing: RoutingDecision = { policy: router.policyName(cfg), reason: '', ...(cookieName ? { cookieName } : {}), cookie, node: null, redispatched: false, attempts: [] };
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
        url: `${isTls(req) ? 'https' : 'http'}://${req.headers.host ?? `127.0.0.1:${this.port}`}${req.url ?? '/'}`,
        path: req.url ?? '/',
        httpVersion: `HTTP/${req.httpVersion}`,
        headers: reqHeaders,
        ...this.recorder.keepBody(reqBody),
      },
      routing,
      response: { status: answer.status, statusText: statusText(answer.status), headers: answer.headers, ...this.recorder.keepBody(answer.body) },
      timings: { send: round(timings.send), wait: round(timings.wait), receive: round(timings.receive), total: round(timings.total) },
      ...(answer.error ? { error: answer.error } : {}),
    }, tag);
  }

  /**
   * Picks a node and forwards; on a connection refused (nothing written) the node is marked down
   * and the policy picks again with it excluded — which also yields "redispatch off" when it must.
   */
  private async forward(req: IncomingMessage, reqHeaders: Header[], id: string, body: Buffer, routing: RoutingDecision, timings: { wait: number; receive: number }): Promise<Answer> {
    const cfg = this.settings();
    const router = this.router(cfg);
    const exclude = new Set<string>();
    const headers = forwardHeaders(req, reqHeaders, id);
    const clientIp = req.socket.remoteAddress ?? '127.0.0.1';
    for (;;) {
      const choice = router.route(
        { cookieHeader: req.headers.cookie, path: req.url ?? '/', headers: req.headers, clientIp, tls: isTls(req), now: this.clock.now(), exchangeId: id, exclude },
        this.backends,
        cfg,
      );
      // After a refusal the reason reads as the whole story: "sticky amlbcookie=01; node 01 refused …; sticky node 01 down → 02".
      routing.reason = exclude.size ? `${routing.reason}; ${choice.reason}` : choice.reason;
      if (!choice.node) return { ...errorAnswer(503, 'Service Unavailable: no node can take this request'), error: 'no-node' };
      // A real balancer in front (choice.via) is not one of the nodes: its refusals say nothing about their health.
      const b = choice.via ? undefined : this.find(choice.node.id);
      const target = choice.node.id;
      routing.node = target;
      routing.redispatched ||= choice.redispatched || exclude.size > 0;
      if (choice.redispatched) {
        routing.redispatchedFrom ??= choice.from;
        this.recorder.emit('redispatch', { node: target, exchangeId: id, data: { reason: choice.reason, from: choice.from ?? null } });
      }
      try {
        if (choice.ready) await choice.ready;
        const sent = { ...(choice.cookieHeader === undefined ? headers : withCookie(headers, choice.cookieHeader)), ...(choice.host ? { host: choice.host } : {}) };
        // Timeouts per request, so a changed upstreamTimeoutMs applies to the next request.
        const r = await dispatchBuffered(choice.via ?? b!.pool, { method: req.method ?? 'GET', path: req.url ?? '/', headers: sent, body: body.length ? body : undefined, headersTimeout: cfg.upstreamTimeoutMs, bodyTimeout: cfg.upstreamTimeoutMs });
        timings.wait = r.wait;
        timings.receive = r.receive;
        routing.attempts.push({ node: target, outcome: String(r.status) });
        const out = responseHeaders(r.headers, r.body.length);
        return { status: r.status, headers: choice.answer ? await choice.answer(out, routing) : out, body: r.body };
      } catch (e) {
        const code = (e as { code?: string }).code ?? (e as Error).name ?? 'ERROR';
        routing.attempts.push({ node: target, outcome: code });
        if (code === 'ECONNREFUSED' && b) {
          // Nothing was written: safe to mark the node down and let the policy choose again.
          this.setHealth(b, false);
          exclude.add(b.id);
          routing.redispatchedFrom ??= b.id;
          routing.reason += `; node ${b.id} refused the connection`;
          continue;
        }
        if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
          routing.reason += `; node ${target} timed out`;
          return { ...errorAnswer(504, `Gateway Timeout: node ${target} did not answer in ${cfg.upstreamTimeoutMs} ms`), error: code };
        }
        // Written and then failed: never resent (it may have been processed).
        routing.reason += `; node ${target} failed: ${code}`;
        return { ...errorAnswer(502, `Bad Gateway: node ${target} failed (${code})`), error: code };
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
    // A body in one chunk (most AM callbacks) is kept as it came, not copied.
    req.on('end', () => resolve(size > limit ? TOO_LARGE : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
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
  out['x-forwarded-proto'] = isTls(req) ? 'https' : 'http';
  out['x-lab-exchange'] = id;
  return out;
}

function isTls(req: IncomingMessage): boolean {
  return (req.socket as TLSSocket).encrypted === true;
}

/** The forwarded headers with the Cookie header the routing model decided on (null: none). */
function withCookie(headers: Record<string, string | string[]>, cookie: string | null): Record<string, string | string[]> {
  const { cookie: _drop, ...rest } = headers;
  void _drop;
  return cookie === null ? rest : { ...rest, cookie };
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

function statusText(code: number): string {
  return code === 413 ? 'Request Entity Too Large' : (STATUS_CODES[code] ?? '');
}

const round = (n: number) => Math.round(n * 1000) / 1000;
