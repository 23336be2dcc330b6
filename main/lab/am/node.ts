import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CtsUnavailableError } from '../cts/store';
import { VersionError, negotiate } from './apiVersion';
import { authenticate } from './authenticate';
import { timeoutOptions } from '../serverTimeouts';
import type { LabNode, NodeStats } from '../nodes/labNode';
import type { AmRequest, AuthSessionState, NodeContext } from './context';
import { csrfFilter, resolveRealm } from './filters';
import { health } from './health';
import { AmError, errorBody, parseJsonBody, readBody, requestCookies, send, type AmResponse } from './http';
import { oauth2 } from './oauth2/router';
import { matchRoute, type JsonResource } from './routes';
import { serverInfo } from './serverinfo';
import { sessions } from './sessions';
import { usersResource } from './usersResource';

/** Resource versions each CREST route serves (CoreRestRouteProvider's forVersion lines; sessions up to AM 7/8's 5.1). */
const VERSIONS: Record<JsonResource, string[]> = {
  authenticate: ['1.1', '2.1'],
  sessions: ['1.2', '2.1', '3.1', '4.0', '5.1'],
  serverinfo: ['1.1'],
  users: ['1.2', '2.1', '3.0', '4.0'],
};

type Handler = (node: NodeContext, req: AmRequest, id: string | undefined) => Promise<AmResponse>;
const HANDLERS: Record<JsonResource, Handler> = {
  authenticate: (node, req, id) => {
    if (id !== undefined) throw new AmError(404, 'Not Found');
    if (req.method !== 'POST') throw new AmError(405, `Method ${req.method} not allowed on authenticate`);
    return authenticate(node, req);
  },
  sessions,
  serverinfo: serverInfo,
  users: usersResource,
};
/** Client-based session cookies can exceed 16 KiB (AM asks for ≥ 16K header capacity). */
export const MAX_HEADER_BYTES = 32 * 1024;

export type NodeDeps = Omit<NodeContext, 'memory' | 'loginFailures' | 'id' | 'lbValue'>;

/**
 * One AM server: a real HTTP server on 127.0.0.1 serving AM's REST paths under the context path.
 * Killing it closes the socket and loses its memory (in-progress chain logins), as a crashed AM would.
 * It runs in an AM node process of its own (nodes/nodeMain.ts), or in the lab's thread (isolation
 * in-process), where it is the LabNode itself and shares the lab's clock and settings.
 */
export class AmNode implements LabNode {
  readonly ctx: NodeContext;
  private server: Server | undefined;
  private stopSweeping: (() => void) | undefined;
  port = 0;
  requests = 0;
  readonly pid = null;

  constructor(
    readonly id: string,
    deps: NodeDeps,
  ) {
    this.ctx = { ...deps, id, lbValue: id, memory: new Map<string, AuthSessionState>(), loginFailures: new Map() };
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}${this.ctx.config().contextPath}`;
  }

  get running(): boolean {
    return this.server?.listening ?? false;
  }

  async start(port = this.port): Promise<void> {
    if (this.running) return;
    const cfg = this.ctx.config();
    const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, ...timeoutOptions(cfg.headersTimeoutMs, cfg.requestTimeoutMs) }, (req, res) => {
      this.requests++;
      const exchange = req.headers['x-lab-exchange'];
      if (typeof exchange === 'string') this.ctx.served?.(exchange, this.id);
      this.handle(req, res).catch((e) => {
        if (!res.headersSent) send(res, { status: 500, body: errorBody(500, 'Internal Server Error') });
        // A CTS outage is AM's CoreTokenException surfacing as CREST's 500; the failed call already made its event.
        if (!(e instanceof CtsUnavailableError)) this.ctx.emit('bad-request', { node: this.id, data: { status: 500, reason: (e as Error).message } });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.sweepFromNowOn();
  }

  /** AM's own cleanup of in-memory auth sessions: every second, and at once when the lab clock jumps. */
  private sweepFromNowOn(): void {
    const sweep = () => this.sweepMemory(this.ctx.clock.now());
    const timer = setInterval(sweep, 1_000);
    timer.unref();
    const off = this.ctx.clock.onChange((_, advanced) => advanced > 0 && sweep());
    this.stopSweeping = () => (clearInterval(timer), off());
  }

  /** Stops listening, drops open connections and forgets every in-memory auth session. */
  async kill(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    this.stopSweeping?.();
    this.ctx.memory.clear();
    this.ctx.loginFailures.clear();
    if (!s) return;
    const closed = new Promise<void>((r) => s.close(() => r()));
    s.closeAllConnections();
    await closed;
  }

  /** Auth sessions in memory that passed their deadline are dropped (AM's own cleanup). */
  private sweepMemory(now: number): void {
    for (const [k, v] of this.ctx.memory) if (v.expiresAt <= now) this.ctx.memory.delete(k);
  }

  stop(): Promise<void> {
    return this.kill();
  }

  async stats(): Promise<NodeStats> {
    return { authSessionsInMemory: this.ctx.memory.size, requests: this.requests };
  }

  // In the lab's thread the node reads the lab's own settings and clock, and emits straight into its trace.
  async configure(): Promise<void> {}
  async clockChanged(): Promise<void> {}
  async settle(): Promise<void> {}

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const cfg = this.ctx.config();
    const cors = this.corsHeaders(req);
    if (req.method === 'OPTIONS') {
      if (!cors) return send(res, { status: 403, body: errorBody(403, 'CORS origin not allowed') });
      return send(res, { status: 200, headers: cors });
    }
    const exchange = req.headers['x-lab-exchange'];
    const exchangeId = typeof exchange === 'string' ? exchange : null;
    const url = requestUrl(req.url);
    if (typeof url === 'string') {
      this.ctx.emit('bad-request', { node: this.id, exchangeId, data: { status: 400, reason: url } });
      return send(res, { status: 400, body: errorBody(400, url), headers: cors });
    }
    const route = matchRoute(url.pathname, cfg.contextPath);
    if (route?.kind === 'isAlive' || route?.kind === 'health') {
      const r = await health(this.ctx, route);
      return send(res, { ...r, headers: { ...cors, ...r.headers } });
    }
    if (route?.kind === 'oauth2') {
      const r = await oauth2(this.ctx, { raw: req, url, realm: route.realm, endpoint: route.endpoint, exchangeId });
      r.headers = { ...cors, ...r.headers };
      return send(res, r);
    }
    let negotiated: ReturnType<typeof negotiate> | undefined;
    let r: AmResponse;
    try {
      if (!route) throw new AmError(404, 'Not Found');
      const header = req.headers['accept-api-version'];
      negotiated = negotiate(Array.isArray(header) ? header[0] : header, VERSIONS[route.resource]);
      const raw = await readBody(req, cfg.maxBodyBytes);
      const amReq: AmRequest = {
        raw: req,
        method: req.method ?? 'GET',
        realm: resolveRealm(this.ctx, req, url, route.realm),
        query: url.searchParams,
        body: parseJsonBody(req, raw),
        cookies: requestCookies(req.headers.cookie),
        exchangeId,
        apiMajor: negotiated.major,
      };
      csrfFilter(this.ctx, amReq);
      r = await HANDLERS[route.resource](this.ctx, amReq, route.id);
    } catch (e) {
      if (e instanceof VersionError) {
        return send(res, e.status === 404 ? { status: 404, headers: cors } : { status: 400, text: e.text, headers: cors });
      }
      if (!(e instanceof AmError)) throw e;
      if (e.status === 400 || e.status === 413 || e.status === 415) {
        this.ctx.emit('bad-request', { node: this.id, exchangeId, data: { status: e.status, reason: e.message } });
      }
      // Authenticate resource 1.x used the legacy {"errorMessage"} shape.
      const legacy = route?.kind === 'json' && route.resource === 'authenticate' && negotiated?.major === 1;
      r = { status: e.status, body: legacy ? { errorMessage: e.message } : errorBody(e.status, e.message, e.detail), setCookies: e.setCookies, headers: e.headers };
    }
    r.headers = { ...negotiated?.headers, ...cors, ...r.headers };
    send(res, r);
  }

  private corsHeaders(req: IncomingMessage): Record<string, string> | undefined {
    const origin = req.headers.origin;
    if (!origin || !this.ctx.config().corsOrigins.includes(origin)) return undefined;
    return {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
      'Access-Control-Allow-Headers': 'accept-api-version, x-requested-with, content-type, x-requested-platform, x-openam-username, x-openam-password, iplanetdirectorypro, authorization',
      'Access-Control-Expose-Headers': 'content-api-version',
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    };
  }
}

/**
 * The request target as a URL, or why it is refused: a target whose %-escapes do not decode (path
 * or query) gets 400 before any routing, as the servlet container in front of AM refuses it
 * (Tomcat's UDecoder), instead of guessing what a half-decoded realm, id, action or token meant.
 */
function requestUrl(target: string | undefined): URL | string {
  let url: URL;
  try {
    url = new URL(target ?? '/', 'http://127.0.0.1');
  } catch {
    return 'Invalid URI: the request target is not a URL';
  }
  try {
    decodeURIComponent(url.pathname);
    decodeURIComponent(url.search);
  } catch {
    return 'Invalid URI: malformed percent-encoding in the request';
  }
  return url;
}
