import { CookieJar, type Cookie } from 'tough-cookie';
import { getGlobalDispatcher, type Dispatcher } from 'undici';
import { dispatchBuffered } from '../balancer/exchange';
import { callbackAnswers, type AuthPayload, type BrowserResponse, type CookieView, type LoginStep } from '../../contract/browser';
import type { LabClock } from '../clock';
import { contextFor, cookiesFor, storeCookie, type Blocked } from './cookieRules';
import type { OAuth2Storage } from './oauth2';
import { userAgent } from './userAgent';

export type { AuthPayload, BrowserResponse, CookieView, LoginStep };

export interface LoginOptions {
  service?: string;
  realm?: string;
}

/** The callbacks on a browser's screen, and where they came from. */
export interface LoginForm extends LoginOptions {
  payload: AuthPayload;
}

/** Sessions a browser keeps track of: enough for "its newest", bounded. */
const SESSION_HANDLES = 20;

const API = { authenticate: 'protocol=1.0,resource=2.1', sessions: 'protocol=1.0,resource=3.1' };

/** Where a browser's requests go: the URL it believes it talks to (cookie rules apply to it) and how to get there. */
export interface BrowserSite {
  /** Base URL including the context path, e.g. https://am.example.com:8443/am */
  base: string;
  dispatcher?: Dispatcher;
}

/** The lab's network as a browser sees it, for the client IP it has at the moment. */
export type BrowserNetwork = (clientIp: string) => BrowserSite;

/** A Set-Cookie the browser refused, as DevTools lists it. */
export interface BlockedCookie extends Blocked {
  url: string;
  at: number;
}

const BLOCKED_KEEP = 50;

/**
 * A browser inside the engine: its own tough-cookie jar, talking only to the balancer, sending the
 * headers the ForgeRock JS SDK sends. Each request carries `browser/<id>` in its User-Agent so the
 * trace can tell browsers apart without any extra header reaching AM (see userAgent.ts).
 */
export class VirtualBrowser {
  readonly jar = new CookieJar();
  readonly createdAt: number;
  /** The address the balancer sees (127.0.0.x on Linux); several browsers may share one, as behind NAT. */
  clientIp = '127.0.0.1';
  /**
   * The origin of the app calling AM (an SDK app), or null for AM's own pages. A cross-site origin
   * makes every request cross-site: only SameSite=None cookies go, and Lax/Strict ones are refused.
   */
  appOrigin: string | null = null;
  /** The Set-Cookie lines this browser refused, most recent last (bounded). */
  readonly blocked: BlockedCookie[] = [];
  private readonly network: BrowserNetwork;
  /**
   * The login form on screen: the callbacks AM sent last. A failed step leaves it there, so the
   * next submit sends it again, as a user clicking "Sign in" once more would; success clears it.
   */
  loginForm: LoginForm | null = null;
  /** Handles of the sessions this browser's logins created, newest last (the executor records them). */
  readonly sessionHandles: string[] = [];
  /** What the app in this browser keeps per OAuth2 client, as the SDK's localStorage FR-SDK-<clientId> (oauth2.ts). */
  readonly oauth2 = new Map<string, OAuth2Storage>();

  constructor(
    readonly id: string,
    readonly name: string,
    /** Balancer base URL including the context path (http://127.0.0.1:8080/am), or the lab's network. */
    base: string | BrowserNetwork,
    private readonly clock: LabClock,
    dispatcher?: Dispatcher,
    /** Told about every refused Set-Cookie (the lab records it as an event). */
    private readonly onBlocked?: (b: BlockedCookie) => void,
  ) {
    this.createdAt = clock.now();
    this.network = typeof base === 'string' ? () => ({ base, dispatcher }) : base;
  }

  /** The lab clock's now: when the app reckons a token's expiry. */
  now(): number {
    return this.clock.now();
  }

  private get base(): string {
    return this.network(this.clientIp).base;
  }

  private realmPath(realm = '/'): string {
    return realm === '/' ? 'json/realms/root' : `json/realms/root/realms/${realm.replace(/^\//, '')}`;
  }

  /**
   * One HTTP exchange through the balancer, with cookies from and into the jar: the SDK's fetch, or
   * with `navigate` a page load (an iframe's or a redirect's GET: HTML accepted, no SDK header, no
   * Origin). Redirects are not followed: the caller follows them, each one an exchange.
   */
  async send(method: 'GET' | 'POST', path: string, opts: { headers?: Record<string, string>; body?: unknown; navigate?: boolean } = {}): Promise<BrowserResponse> {
    const site = this.network(this.clientIp);
    const url = `${site.base}/${path}`;
    // Parsed once for the jar (twice) and undici, which take a URL as it is.
    const target = new URL(url);
    const context = contextFor(this.appOrigin, url);
    const headers: Record<string, string> = {
      'user-agent': userAgent(this.id),
      ...(opts.navigate
        ? { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }
        : { accept: 'application/json', 'x-requested-with': 'forgerock-sdk', ...(this.appOrigin ? { origin: this.appOrigin } : {}) }),
      ...opts.headers,
    };
    const cookie = await this.cookieHeader(target, context);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    // undici's dispatch with the whole answer buffered (as the balancer reads nodes' answers): no
    // response stream and its promises per exchange, which request() would add for a body read at once.
    const res = await dispatchBuffered(site.dispatcher ?? getGlobalDispatcher(), { origin: target.origin, path: target.pathname + target.search, method, headers, body });
    const text = res.body.toString('utf8');
    const resHeaders = headerObject(res.headers);
    const setCookies = resHeaders['set-cookie'];
    for (const line of Array.isArray(setCookies) ? setCookies : setCookies ? [setCookies] : []) {
      const refused = storeCookie(this.jar, line, target, this.clock.date(), context);
      if (refused) this.refuse({ ...refused, url, at: this.clock.now() });
    }
    let parsed: unknown = text;
    if (String(resHeaders['content-type'] ?? '').includes('json') && text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, headers: resHeaders, body: parsed };
  }

  private refuse(b: BlockedCookie): void {
    this.blocked.push(b);
    if (this.blocked.length > BLOCKED_KEEP) this.blocked.shift();
    this.onBlocked?.(b);
  }

  /** Cookies to send, with expiry judged on the lab clock (tough-cookie's own check uses real time). */
  private async cookieHeader(url: URL, context: ReturnType<typeof contextFor>): Promise<string> {
    const live = await this.liveCookies(cookiesFor(this.jar, url, context));
    return live.map((c) => c.cookieString()).join('; ');
  }

  private async liveCookies(all: Cookie[]): Promise<Cookie[]> {
    const now = this.clock.now();
    const live: Cookie[] = [];
    for (const c of all) {
      const t = c.expiryTime();
      if (t !== undefined && t <= now) await this.jar.store.removeCookie(c.domain, c.path, c.key);
      else live.push(c);
    }
    return live;
  }

  /** The jar as DevTools shows it: every cookie for the site, whatever its path. */
  async cookies(): Promise<CookieView[]> {
    const live = await this.liveCookies(await this.jar.getCookies(this.base + '/', { expire: false, allPaths: true }));
    return live.map((c) => ({
      name: c.key,
      value: c.value,
      domain: c.domain ?? '',
      path: c.path ?? '/',
      expires: Number.isFinite(c.expiryTime() ?? Infinity) ? c.expiryTime()! : null,
      httpOnly: c.httpOnly,
      secure: c.secure,
      sameSite: c.sameSite ?? 'none',
    }));
  }

  async clearCookies(): Promise<void> {
    await this.jar.removeAllCookies();
  }

  private classify(r: BrowserResponse): LoginStep {
    const body = (r.body && typeof r.body === 'object' ? r.body : {}) as Record<string, unknown>;
    if (typeof body.authId === 'string') return { kind: 'callbacks', status: r.status, payload: body as AuthPayload };
    if (r.status >= 200 && r.status < 300) return { kind: 'success', status: r.status, body };
    return { kind: 'failure', status: r.status, body };
  }

  private authPath(opts: LoginOptions): string {
    const q = opts.service ? `?authIndexType=service&authIndexValue=${encodeURIComponent(opts.service)}` : '';
    return `${this.realmPath(opts.realm)}/authenticate${q}`;
  }

  /** First authenticate call: AM answers with callbacks (or fails); the callbacks stay on screen. */
  async startLogin(opts: LoginOptions = {}): Promise<LoginStep> {
    const step = this.classify(await this.send('POST', this.authPath(opts), { headers: { 'accept-api-version': API.authenticate, 'content-type': 'application/json' } }));
    this.loginForm = step.kind === 'callbacks' ? { payload: step.payload, ...opts } : null;
    return step;
  }

  /** Posts the previous step back with inputs filled in by name (IDToken1…) — what the SDK does. */
  async submit(payload: AuthPayload, values: Record<string, string>, opts: LoginOptions = {}): Promise<LoginStep> {
    const filled = structuredClone(payload);
    for (const cb of filled.callbacks ?? []) for (const inp of cb.input ?? []) if (inp.name in values) inp.value = values[inp.name];
    const step = this.classify(await this.send('POST', this.authPath(opts), { headers: { 'accept-api-version': API.authenticate }, body: filled }));
    if (step.kind === 'callbacks') this.loginForm = { payload: step.payload, ...opts };
    else if (step.kind === 'success') this.loginForm = null;
    return step;
  }

  /**
   * A whole login, step by step: the one login loop of the lab (the window, recipes and the load
   * runner all log in through it). `thinkMs` pauses up to that long before each answer, like a
   * person typing; the time spent thinking is returned so latency can leave it out.
   */
  async login(username: string, password: string, opts: LoginOptions & { thinkMs?: number } = {}): Promise<{ outcome: LoginStep; steps: LoginStep[]; thoughtMs: number }> {
    const { thinkMs = 0, ...where } = opts;
    const steps: LoginStep[] = [];
    let thoughtMs = 0;
    let step = await this.startLogin(where);
    steps.push(step);
    for (let i = 0; step.kind === 'callbacks' && i < 10; i++) {
      if (thinkMs > 0) {
        const t = performance.now();
        await new Promise((r) => setTimeout(r, Math.random() * thinkMs));
        thoughtMs += performance.now() - t;
      }
      step = await this.submit(step.payload, callbackAnswers(step.payload, username, password), where);
      steps.push(step);
    }
    return { outcome: step, steps, thoughtMs };
  }

  async zeroPageLogin(username: string, password: string, opts: LoginOptions = {}): Promise<LoginStep> {
    this.loginForm = null;
    return this.classify(
      await this.send('POST', this.authPath(opts), {
        headers: { 'accept-api-version': API.authenticate, 'content-type': 'application/json', 'x-openam-username': username, 'x-openam-password': password },
      }),
    );
  }

  /** Records a session one of this browser's logins created (the newest is what an admin terminates). */
  rememberSession(handle: string): void {
    this.sessionHandles.push(handle);
    if (this.sessionHandles.length > SESSION_HANDLES) this.sessionHandles.shift();
  }

  private sessionAction(action: string, realm?: string, body?: unknown, version = API.sessions): Promise<BrowserResponse> {
    return this.send('POST', `${this.realmPath(realm)}/sessions?_action=${action}`, { headers: { 'accept-api-version': version, 'content-type': 'application/json' }, body: body ?? {} });
  }

  validate(realm?: string) {
    return this.sessionAction('validate', realm);
  }
  refresh(realm?: string) {
    return this.sessionAction('refresh', realm);
  }
  sessionInfo(realm?: string) {
    return this.sessionAction('getSessionInfo', realm, undefined, 'protocol=1.0,resource=4.0');
  }
  logout(realm?: string) {
    return this.sessionAction('logout', realm);
  }
  logoutByHandle(handles: string[], realm?: string) {
    return this.sessionAction('logoutByHandle', realm, { sessionHandles: handles }, 'protocol=1.0,resource=5.1');
  }
}

/** Response headers as fetch-like code reads them (undici's request() shape): lower-case names, repeated ones as an array. */
function headerObject(pairs: [string, string][]): BrowserResponse['headers'] {
  const out: BrowserResponse['headers'] = {};
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    const had = Object.hasOwn(out, key) ? out[key] : undefined;
    const next = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
    // defineProperty: a header named __proto__ is a header, not the object's prototype.
    Object.defineProperty(out, key, { value: next, enumerable: true, configurable: true, writable: true });
  }
  return out;
}
