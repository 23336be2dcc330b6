import type { Cookie, Entry, Har, Header, Param, QueryString } from 'har-format';
import { base64ToBytes, bytesToBase64, utf8Decode, utf8Encode } from './http';
import { amToken, isMarker, PASSWORD_MARK, pseudonymsIn, SecretRegistry, type RuleId, type SecretEntry, type SecretKind } from './redactRegistry';
import { Sweeper } from './redactSweep';
import { AUTH_COOKIE, COOKIE_SENTINELS, DEFAULT_LB_COOKIE, DEFAULT_SSO_COOKIE } from './tokenInfo';

export { PASSWORD_MARK, type RuleId, type SecretKind } from './redactRegistry';

/**
 * Redaction of a HAR, per value and wherever the value appears (reliability-security.md §2.5):
 * structured rules first (cookies, Authorization, X-OpenAM-Password, callbacks, authId, tokenId,
 * URLs, handles), then a sweep of every string in the file for every secret met — in its raw,
 * URL-encoded, JSON-escaped and base64 forms — and last a sweep by shape (AM tokens, JWS/JWE,
 * session handles) for what no rule named. The same secret gets the same pseudonym throughout, so
 * a reader can still follow one session; amlbcookie (a server id) and invalidation sentinels stay.
 * Pure: the input is not modified. Browser-safe.
 */
export const RULE_VERSION = 1;

export interface RedactOptions {
  /** Session cookie names besides iPlanetDirectoryPro (any token-shaped cookie is treated as one too). */
  ssoCookieNames?: string[];
  /** Cookies whose values stay (server ids). Default: amlbcookie. */
  keepCookies?: string[];
  /** Replace user names with REDACTED-USER-n (off for lab runs; `har redact` turns it on for customer files). */
  pseudonymizeUsers?: boolean;
  /** Secrets known from elsewhere (e.g. the lab's admin password): swept in every form. */
  knownSecrets?: { value: string; kind: SecretKind }[];
}

export interface RedactionReport {
  mode: 'redacted';
  ruleVersion: number;
  /** Replacements per rule. */
  counts: Partial<Record<RuleId, number>>;
  /** One row per distinct secret: its pseudonym, kind, the rule that first caught it, where it was. Never the value. */
  secrets: { pseudonym: string; kind: SecretKind; rule: RuleId; occurrences: number; where: string[] }[];
}

export type RedactionMarker = { mode: 'redacted' | 'none'; ruleVersion: number; counts: Partial<Record<RuleId, number>> };

export function redactHar(input: Har, opts: RedactOptions = {}): { har: Har; report: RedactionReport } {
  const har = structuredClone(input) as Har;
  const r = new Redactor(opts);
  r.reg.reserve(pseudonymsInValue(input));
  for (const k of opts.knownSecrets ?? []) if (k.value) r.reg.entry(k.kind, k.value, 'sweep', 'known');
  const log = har.log as Har['log'] & Record<string, unknown>;
  (log.entries ?? []).forEach((e, i) => r.entry(e as unknown as Record<string, unknown>, `entries[${i}]`));
  if (Array.isArray(log._events)) log._events.forEach((ev, i) => r.event(ev, `log._events[${i}]`));
  // Sweep everything (bodies, comments, _events, _diagnosis, page titles) for secrets met anywhere.
  har.log = new Sweeper(r.reg).everywhere(har.log, 'log');
  // Base64 bodies were swept decoded (a secret's base64 form depends on its offset): encode them back.
  for (const e of har.log.entries ?? []) {
    const content = obj(obj((e as unknown as Record<string, unknown>).response)?.content);
    if (content?.[REENCODE] !== true || typeof content.text !== 'string') continue;
    delete content[REENCODE];
    content.text = bytesToBase64(utf8Encode(content.text));
    content.encoding = 'base64';
  }
  (har.log.entries ?? []).forEach((e, i) => resize(e, input.log.entries?.[i]));
  const counts = { ...r.reg.counts };
  const report: RedactionReport = {
    mode: 'redacted',
    ruleVersion: RULE_VERSION,
    counts,
    secrets: r.reg.secrets.map((s) => ({ pseudonym: s.pseudonym, kind: s.kind, rule: s.rule, occurrences: s.occurrences, where: s.where })),
  };
  const out = har.log as Har['log'] & Record<string, unknown>;
  out._redaction = { mode: 'redacted', ruleVersion: RULE_VERSION, counts } satisfies RedactionMarker;
  const note = 'Redacted by AM Session Lab: SSO tokens, authIds, auth session ids, passwords, Authorization and other cookie values are replaced by pseudonyms (REDACTED-…); the same secret has the same pseudonym throughout. amlbcookie server ids are kept.';
  out.comment = out.comment && !out.comment.startsWith('Redacted by AM Session Lab') ? `${note} ${out.comment}` : note;
  return { har, report };
}

/** What redactHar would replace, for the preview before saving (the HAR itself is untouched). */
export function previewRedaction(har: Har, opts: RedactOptions = {}): RedactionReport {
  return redactHar(har, opts).report;
}

const REENCODE = '_labReencodeBase64';

/**
 * R12: a size that described the whole body describes the redacted one; a body the trace kept
 * truncated keeps the size of what was really sent. bodySize on the wire is unknown after a rewrite.
 */
function resize(e: Entry, before: Entry | undefined): void {
  const post = e.request.postData;
  const was = before?.request.postData?.text;
  if (post?.text !== undefined && was !== undefined && post.text !== was && before!.request.bodySize === utf8Encode(was).length) e.request.bodySize = utf8Encode(post.text).length;
  const c = e.response.content;
  const old = before?.response.content;
  if (typeof c.text !== 'string' || typeof old?.text !== 'string' || c.text === old.text) return;
  const bytes = (x: { text?: string; encoding?: string }) => (x.encoding === 'base64' ? (base64ToBytes(x.text ?? '')?.length ?? -1) : utf8Encode(x.text ?? '').length);
  if (old.size === bytes(old)) c.size = bytes(c);
  if (e.response.bodySize >= 0) e.response.bodySize = -1;
}

const SECRET_PARAMS: Record<string, SecretKind> = {
  tokenid: 'sso-token',
  sessionupgradessotokenid: 'sso-token',
  authid: 'authid',
  suspendedid: 'suspended-id',
  code: 'oauth',
  state: 'oauth',
  access_token: 'oauth',
  id_token: 'oauth',
  refresh_token: 'oauth',
  code_verifier: 'oauth',
  // With code_challenge_method=plain the challenge is the verifier itself.
  code_challenge: 'oauth',
  client_secret: 'oauth',
  client_assertion: 'oauth',
  id_token_hint: 'oauth',
  device_code: 'oauth',
  user_code: 'oauth',
  samlrequest: 'oauth',
  samlresponse: 'oauth',
  assertion: 'oauth',
  token: 'oauth',
  password: 'password',
};
const URL_PARAMS = new Set(['goto', 'gotoonfail', 'redirect_uri', 'post_logout_redirect_uri', 'returnurl', 'relaystate']);
/** Legacy UI and zero-page login (`?IDToken1=user&IDToken2=password`): IDToken2… are credentials. */
const CREDENTIAL_PARAM = /^IDToken[2-9]$/i;
const PASSWORD_KEY = /^(?:user)?pass(?:word)?$|^(?:current|new|old)password$/i;
// OIDC names the user in `sub` (userinfo, ID token) and introspection in `user_id`.
const USER_KEYS = new Set(['username', 'uid', 'user', 'sub', 'user_id']);

export class Redactor {
  readonly reg = new SecretRegistry();
  private readonly sso: Set<string>;
  private readonly keep: Set<string>;
  private readonly users: boolean;

  constructor(opts: RedactOptions) {
    this.sso = new Set([DEFAULT_SSO_COOKIE, ...(opts.ssoCookieNames ?? [])].map((n) => n.toLowerCase()));
    this.keep = new Set(opts.keepCookies ?? [DEFAULT_LB_COOKIE]);
    this.users = opts.pseudonymizeUsers ?? false;
  }

  entry(e: Record<string, unknown>, at: string): void {
    const req = obj(e.request);
    const res = obj(e.response);
    if (req) {
      if (typeof req.url === 'string') req.url = this.url(req.url, `${at}.request.url`);
      this.headers(req.headers, `${at}.request.headers`);
      this.cookies(req.cookies, `${at}.request.cookies`);
      this.params(req.queryString, `${at}.request.queryString`);
      const post = obj(req.postData);
      if (post) {
        this.params(post.params, `${at}.request.postData.params`);
        if (typeof post.text === 'string') {
          post.text = this.body(post.text, String(post.mimeType ?? ''), `${at}.request.postData.text`);
        }
      }
    }
    if (res) {
      this.headers(res.headers, `${at}.response.headers`);
      this.cookies(res.cookies, `${at}.response.cookies`);
      if (typeof res.redirectURL === 'string' && res.redirectURL) res.redirectURL = this.url(res.redirectURL, `${at}.response.redirectURL`);
      const content = obj(res.content);
      if (content && typeof content.text === 'string') content.text = this.content(content, `${at}.response.content.text`);
    }
    if (Array.isArray(e._events)) e._events.forEach((ev, i) => this.event(ev, `${at}._events[${i}]`));
  }

  /** Lab events: the auth session key, session handles and (optionally) users are named by field. */
  event(ev: unknown, at: string): void {
    const data = obj(obj(ev)?.data);
    if (!data) return;
    if (typeof data.authSession === 'string' && data.authSession) data.authSession = this.reg.label('auth-session', data.authSession, 'R6', `${at}.data.authSession`);
    if (typeof data.handle === 'string' && data.handle) data.handle = this.reg.label('session-handle', data.handle, 'R9', `${at}.data.handle`);
    const session = obj(data.session);
    if (session && typeof session.handle === 'string') session.handle = this.reg.label('session-handle', session.handle, 'R9', `${at}.data.session.handle`);
    if (this.users) {
      for (const holder of [data, session]) {
        for (const k of ['user', 'username']) if (holder && typeof holder[k] === 'string') holder[k] = this.user(holder[k] as string, at);
      }
    }
  }

  private user(name: string, at: string): string {
    if (!name || isMarker(name)) return name;
    const had = this.reg.known(name);
    const p = this.reg.label('username', name, 'K4', at);
    if (!had) this.reg.addForm(name, this.reg.known(name)!, true);
    return p;
  }

  private headers(list: unknown, at: string): void {
    if (!Array.isArray(list)) return;
    for (const h of list as Header[]) {
      if (!h || typeof h.name !== 'string' || typeof h.value !== 'string') continue;
      const n = h.name.toLowerCase().replace(/^:/, '');
      const where = `${at}.${h.name}`;
      if (n === 'cookie') h.value = this.cookieHeader(h.value, where);
      else if (n === 'set-cookie') h.value = h.value.split('\n').map((line) => this.setCookieLine(line, where)).join('\n');
      else if (n === 'authorization' || n === 'proxy-authorization') h.value = this.authorization(h.value, where);
      else if (n === 'x-openam-password') h.value = this.password(h.value, where, 'R4');
      else if (n === 'x-openam-username' && this.users) h.value = this.user(decode2047(h.value), where);
      else if (this.sso.has(n) || n === AUTH_COOKIE.toLowerCase()) h.value = this.sessionHeader(n, h.value, where);
      else if (n === 'referer' || n === 'location' || n === 'content-location' || n === 'path') h.value = this.url(h.value, where);
    }
  }

  /** R3: a header named like the session cookie (or AMAuthCookie) carries the token itself, perhaps quoted. */
  private sessionHeader(name: string, v: string, where: string): string {
    if (!v || COOKIE_SENTINELS.has(v) || isMarker(v)) return v;
    const quoted = /^"(.+)"$/s.exec(v);
    if (quoted) return `"${this.sessionHeader(name, quoted[1]!, where)}"`;
    return this.reg.label(name === 'amauthcookie' ? 'auth-session' : kindOfToken(v), v, 'R3', where);
  }

  private authorization(v: string, where: string): string {
    const m = /^(\S+)\s+(.+)$/.exec(v.trim());
    if (!m) return v ? this.reg.label('authorization', v, 'R2', where) : v;
    // The SDK's endSession sends `Bearer undefined` once its tokens are gone: no secret, and not a word to sweep.
    if (isMarker(m[2]!) || m[2] === 'undefined' || m[2] === 'null') return v;
    return `${m[1]} ${this.reg.label('authorization', m[2]!, 'R2', where)}`;
  }

  private password(v: string, where: string, rule: RuleId): string {
    if (!v || isMarker(v)) return v;
    const s = this.reg.entry('password', v, rule, where);
    const plain = decode2047(v);
    if (plain !== v) this.reg.addForm(plain, s);
    this.reg.hit(s, rule, where);
    return s.pseudonym;
  }

  /** R1: one cookie's value, by name; amlbcookie and invalidation sentinels stay. */
  private cookieValue(name: string, value: string, where: string): string {
    if (this.keep.has(name) || COOKIE_SENTINELS.has(value) || isMarker(value)) return value;
    // RFC 6265 allows a value in double quotes; the quotes are not part of the secret.
    const quoted = /^"(.+)"$/s.exec(value);
    if (quoted) return `"${this.cookieValue(name, quoted[1]!, where)}"`;
    if (name === AUTH_COOKIE) return this.reg.label('auth-session', value, 'R1', where);
    if (this.sso.has(name.toLowerCase()) || amToken(value)) return this.reg.label(kindOfToken(value), value, 'R1', where);
    if (/^eyJ[\w-]+\.[\w-]*\./.test(value)) return this.reg.label('jwt', value, 'R1', where);
    return this.reg.label('cookie', value, 'R1', where);
  }

  private cookieHeader(v: string, where: string): string {
    return v
      .split(';')
      .map((part) => {
        const eq = part.indexOf('=');
        if (eq <= 0) return part;
        const name = part.slice(0, eq).trim();
        const lead = part.slice(0, eq + 1);
        return lead + this.cookieValue(name, part.slice(eq + 1).trim(), `${where}:${name}`);
      })
      .join(';');
  }

  private setCookieLine(line: string, where: string): string {
    const semi = line.indexOf(';');
    const first = semi < 0 ? line : line.slice(0, semi);
    const eq = first.indexOf('=');
    if (eq <= 0) return line;
    const name = first.slice(0, eq).trim();
    return `${first.slice(0, eq + 1)}${this.cookieValue(name, first.slice(eq + 1).trim(), `${where}:${name}`)}${semi < 0 ? '' : line.slice(semi)}`;
  }

  private cookies(list: unknown, at: string): void {
    if (!Array.isArray(list)) return;
    for (const c of list as Cookie[]) if (c && typeof c.name === 'string' && typeof c.value === 'string') c.value = this.cookieValue(c.name, c.value, `${at}:${c.name}`);
  }

  /** queryString[] and postData.params[]: by name, as in URLs; form posts of the legacy UI (IDToken2…) count as passwords. */
  private params(list: unknown, at: string): void {
    if (!Array.isArray(list)) return;
    for (const p of list as (QueryString | Param)[]) {
      if (!p || typeof p.name !== 'string' || typeof p.value !== 'string') continue;
      p.value = this.param(p.name, p.value, `${at}.${p.name}`);
    }
  }

  private param(name: string, value: string, where: string): string {
    if (!value || isMarker(value)) return value;
    const n = name.toLowerCase();
    if (CREDENTIAL_PARAM.test(name) || PASSWORD_KEY.test(name) || SECRET_PARAMS[n] === 'password') return this.password(value, where, 'R5');
    const kind = SECRET_PARAMS[n];
    if (kind) return this.reg.label(kind === 'sso-token' ? kindOfToken(value) : kind, value, 'R8', where);
    if (URL_PARAMS.has(n) && /^(?:https?:)?\/|%2F/i.test(value)) return this.url(value, where);
    if (this.users && (n === 'username' || n === 'idtoken1')) return this.user(value, where);
    return value;
  }

  /** R8: query and fragment parameters of a URL, recursing into goto-style URLs. Unchanged pairs keep their bytes. */
  url(u: string, where: string): string {
    const q = u.search(/[?#]/);
    if (q < 0) return u;
    let out = u.slice(0, q);
    const rest = u.slice(q);
    for (const seg of rest.split(/(?=[?#])/)) {
      const sep = seg[0]!;
      const pairs = seg.slice(1).split('&').map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 0) return pair;
        const rawName = pair.slice(0, eq);
        const rawValue = pair.slice(eq + 1);
        const name = safeDecode(rawName);
        const value = safeDecode(rawValue.replace(/\+/g, ' '));
        const next = this.param(name, value, `${where}?${name}`);
        // A pseudonym is URL-safe as it stands (REDACTED-SSO-1@01 reads better than …%4001).
        return next === value ? pair : `${rawName}=${isMarker(next) && next !== PASSWORD_MARK ? next : encodeURIComponent(next)}`;
      });
      out += sep + pairs.join('&');
    }
    return out;
  }

  /** A request or response body: JSON by field, form posts by name, anything else left to the sweep. */
  private body(text: string, mime: string, where: string): string {
    const t = text.trimStart();
    if (t[0] === '{' || t[0] === '[') {
      try {
        const v = JSON.parse(text);
        const before = JSON.stringify(v);
        const after = JSON.stringify(this.json(v, where, 0));
        return after === before ? text : after;
      } catch {
        return text;
      }
    }
    // A form post by its shape, whatever its declared type (fetch sends a string body as text/plain).
    if (/x-www-form-urlencoded/i.test(mime) || /^[\w.%-]+=[^&]*(&[\w.%-]+=[^&]*)*$/.test(text)) return this.url(`?${text}`, where).slice(1);
    return text;
  }

  /** R10: base64 bodies are decoded and redacted as text (re-encoded after the sweep); binary ones are dropped. */
  private content(content: Record<string, unknown>, where: string): string {
    const text = content.text as string;
    const mime = String(content.mimeType ?? '');
    if (content.encoding !== 'base64') return this.body(text, mime, where);
    const bytes = base64ToBytes(text);
    if (!bytes) return text;
    const decoded = utf8Decode(bytes);
    if (decoded.includes('\uFFFD') || /[\x00-\x08\x0E-\x1F]/.test(decoded)) {
      this.reg.counts.R10 = (this.reg.counts.R10 ?? 0) + 1;
      delete content.encoding;
      return '[binary body omitted]';
    }
    this.reg.counts.R10 = (this.reg.counts.R10 ?? 0) + 1;
    delete content.encoding;
    content[REENCODE] = true;
    return this.body(decoded, mime, where);
  }

  /** R5, R6, R7, R9 and friends inside parsed JSON. */
  private json(v: unknown, where: string, depth: number): unknown {
    if (depth > 64 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => this.json(x, where, depth + 1));
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.callbacks)) {
      for (const cb of o.callbacks as Record<string, unknown>[]) {
        if (!cb || typeof cb.type !== 'string' || !Array.isArray(cb.input)) continue;
        const secret = /password|kba/i.test(cb.type);
        const name = /NameCallback|Username/i.test(cb.type);
        for (const inp of cb.input as Record<string, unknown>[]) {
          if (!inp || typeof inp.value !== 'string' || !inp.value) continue;
          if (secret) inp.value = this.password(inp.value, `${where}.callbacks[${cb.type}]`, 'R5');
          else if (name && this.users) inp.value = this.user(inp.value, `${where}.callbacks[${cb.type}]`);
        }
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(o)) {
      // logoutByHandle answers {"result":{"shandle:…":true}}: the handle is a key there.
      const key = /^shandle:/.test(k) ? this.reg.label('session-handle', k, 'R9', `${where}.${k.slice(0, 8)}…`) : k;
      out[key] = this.jsonField(k, val, `${where}.${k}`, depth);
    }
    return out;
  }

  private jsonField(k: string, val: unknown, where: string, depth: number): unknown {
    const n = k.toLowerCase();
    if (typeof val === 'string' && val && !isMarker(val)) {
      if (n === 'tokenid' || n === 'sessionupgradessotokenid') return this.reg.label(kindOfToken(val), val, 'R7', where);
      if (n === 'authid') return this.reg.label('authid', val, 'R6', where);
      if (n === 'sessionhandle') return this.reg.label('session-handle', val, 'R9', where);
      if (n === 'suspendedid') return this.reg.label('suspended-id', val, 'R8', where);
      if (PASSWORD_KEY.test(k)) return this.password(val, where, 'R5');
      if (SECRET_PARAMS[n] === 'oauth' && n !== 'state' && n !== 'code') return this.reg.label('oauth', val, 'R8', where);
      if (this.users && USER_KEYS.has(n)) return this.user(val, where);
      if (URL_PARAMS.has(n) || n === 'successurl' || n === 'failureurl') return this.url(val, where);
      return val;
    }
    if (n === 'sessionhandles' && Array.isArray(val)) return val.map((h) => (typeof h === 'string' && h ? this.reg.label('session-handle', h, 'R9', where) : h));
    return this.json(val, where, depth + 1);
  }
}

function kindOfToken(value: string): SecretKind {
  const t = amToken(value);
  return t && (t.type === 'JWT' || t.suffix) ? 'client-session' : 'sso-token';
}

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** X-OpenAM-Username/Password may be RFC 2047 `=?UTF-8?B?…?=`. */
function decode2047(v: string): string {
  const m = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/i.exec(v.trim());
  if (!m) return v;
  const bytes = base64ToBytes(m[1]!);
  return bytes ? utf8Decode(bytes) : v;
}

/** Pseudonyms already in a HAR, string by string (one string of a whole trace could pass V8's limit). */
function pseudonymsInValue(v: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof v === 'string') out.push(...pseudonymsIn(v));
  else if (v && typeof v === 'object' && depth < 200) {
    for (const [k, x] of Object.entries(v)) {
      out.push(...pseudonymsIn(k));
      pseudonymsInValue(x, out, depth + 1);
    }
  }
  return out;
}

export type { SecretEntry };
