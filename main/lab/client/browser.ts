import { CookieJar, type Cookie } from 'tough-cookie';
import { request, type Dispatcher } from 'undici';
import type { LabClock } from '../clock';

/** AM's answer to one authenticate call, classified the way the ForgeRock JS SDK does it. */
export type LoginStep =
  | { kind: 'callbacks'; status: number; payload: AuthPayload }
  | { kind: 'success'; status: number; body: Record<string, unknown> }
  | { kind: 'failure'; status: number; body: Record<string, unknown> };

export interface AuthPayload {
  authId: string;
  callbacks: { type: string; output: { name: string; value: unknown }[]; input?: { name: string; value: unknown }[]; _id?: number }[];
  [k: string]: unknown;
}

export interface BrowserResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface CookieView {
  name: string;
  value: string;
  domain: string;
  path: string;
  /** Lab-clock expiry in epoch ms, or null for a session cookie. */
  expires: number | null;
  httpOnly: boolean;
  secure: boolean;
  sameSite: string;
}

export interface LoginOptions {
  service?: string;
  realm?: string;
}

const API = { authenticate: 'protocol=1.0,resource=2.1', sessions: 'protocol=1.0,resource=3.1' };

/**
 * A browser inside the engine: its own tough-cookie jar, talking only to the balancer, sending the
 * headers the ForgeRock JS SDK sends. Each request carries `browser/<id>` in its User-Agent so the
 * trace can tell browsers apart without any extra header reaching AM.
 */
export class VirtualBrowser {
  readonly jar = new CookieJar();
  readonly createdAt: number;

  constructor(
    readonly id: string,
    readonly name: string,
    /** Balancer base URL including the context path, e.g. http://127.0.0.1:8080/am */
    private readonly base: string,
    private readonly clock: LabClock,
    private readonly dispatcher?: Dispatcher,
  ) {
    this.createdAt = clock.now();
  }

  private realmPath(realm = '/'): string {
    return realm === '/' ? 'json/realms/root' : `json/realms/root/realms/${realm.replace(/^\//, '')}`;
  }

  /** One HTTP exchange through the balancer, with cookies from and into the jar. */
  async send(method: 'GET' | 'POST', path: string, opts: { headers?: Record<string, string>; body?: unknown } = {}): Promise<BrowserResponse> {
    const url = `${this.base}/${path}`;
    const headers: Record<string, string> = {
      'user-agent': `Mozilla/5.0 (X11; Linux x86_64) AMSessionLab/1 browser/${this.id}`,
      accept: 'application/json',
      'x-requested-with': 'forgerock-sdk',
      ...opts.headers,
    };
    const cookie = await this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await request(url, { method, headers, body, dispatcher: this.dispatcher });
    const text = await res.body.text();
    const setCookies = res.headers['set-cookie'];
    for (const line of Array.isArray(setCookies) ? setCookies : setCookies ? [setCookies] : []) {
      await this.jar.setCookie(line, url, { now: this.clock.date(), ignoreError: true });
    }
    let parsed: unknown = text;
    if (String(res.headers['content-type'] ?? '').includes('json') && text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.statusCode, headers: res.headers, body: parsed };
  }

  /** Cookies to send, with expiry judged on the lab clock (tough-cookie's own check uses real time). */
  private async cookieHeader(url: string): Promise<string> {
    const live = await this.liveCookies(url);
    return live.map((c) => c.cookieString()).join('; ');
  }

  private async liveCookies(url: string): Promise<Cookie[]> {
    const now = this.clock.now();
    const all = await this.jar.getCookies(url, { expire: false });
    const live: Cookie[] = [];
    for (const c of all) {
      const t = c.expiryTime();
      if (t !== undefined && t <= now) await this.jar.store.removeCookie(c.domain, c.path, c.key);
      else live.push(c);
    }
    return live;
  }

  async cookies(): Promise<CookieView[]> {
    const live = await this.liveCookies(this.base + '/');
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

  /** First authenticate call: AM answers with callbacks (or fails). */
  async startLogin(opts: LoginOptions = {}): Promise<LoginStep> {
    return this.classify(await this.send('POST', this.authPath(opts), { headers: { 'accept-api-version': API.authenticate, 'content-type': 'application/json' } }));
  }

  /** Posts the previous step back with inputs filled in by name (IDToken1…) — what the SDK does. */
  async submit(payload: AuthPayload, values: Record<string, string>, opts: LoginOptions = {}): Promise<LoginStep> {
    const filled = structuredClone(payload);
    for (const cb of filled.callbacks ?? []) for (const inp of cb.input ?? []) if (inp.name in values) inp.value = values[inp.name];
    return this.classify(await this.send('POST', this.authPath(opts), { headers: { 'accept-api-version': API.authenticate }, body: filled }));
  }

  /** Fills NameCallback/PasswordCallback inputs of a step from credentials. */
  static answers(payload: AuthPayload, username: string, password: string): Record<string, string> {
    const values: Record<string, string> = {};
    for (const cb of payload.callbacks ?? []) {
      const name = cb.input?.[0]?.name;
      if (!name) continue;
      if (cb.type === 'NameCallback') values[name] = username;
      if (cb.type === 'PasswordCallback') values[name] = password;
    }
    return values;
  }

  /** A whole login, step by step; returns every step AM answered. */
  async login(username: string, password: string, opts: LoginOptions = {}): Promise<{ outcome: LoginStep; steps: LoginStep[] }> {
    const steps: LoginStep[] = [];
    let step = await this.startLogin(opts);
    steps.push(step);
    for (let i = 0; step.kind === 'callbacks' && i < 10; i++) {
      step = await this.submit(step.payload, VirtualBrowser.answers(step.payload, username, password), opts);
      steps.push(step);
    }
    return { outcome: step, steps };
  }

  async zeroPageLogin(username: string, password: string, opts: LoginOptions = {}): Promise<LoginStep> {
    return this.classify(
      await this.send('POST', this.authPath(opts), {
        headers: { 'accept-api-version': API.authenticate, 'content-type': 'application/json', 'x-openam-username': username, 'x-openam-password': password },
      }),
    );
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
