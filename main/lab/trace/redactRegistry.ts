import type { RedactionRule } from '../../contract/trace';
import { base64Text, base64UrlText } from './http';
import { authIdInfo, jwtPayload, parsePseudonym, tokenInfo } from './tokenInfo';

/**
 * The redactor's secret registry: every secret met in a HAR gets one pseudonym, by kind and order of
 * first appearance (REDACTED-SSO-1@01, REDACTED-AUTHID-2@01/memory, …), and every encoded form of it
 * (URL-encoded, JSON-escaped, base64, base64url, its JWT segments, its token id) is swept to the
 * same pseudonym. Counters, not hashes: a hash would let a reader confirm a guessed token.
 * The map from secret to pseudonym lives only in memory; it never enters the HAR.
 */
export type SecretKind =
  | 'sso-token'
  | 'client-session'
  | 'auth-session'
  | 'authid'
  | 'password'
  | 'authorization'
  | 'session-handle'
  | 'cookie'
  | 'oauth'
  | 'suspended-id'
  | 'jwt'
  | 'username';

/** The rule ids, described in the contract (REDACTION_RULES) for whoever shows the counts. */
export type RuleId = RedactionRule;

export const PASSWORD_MARK = '[REDACTED-PASSWORD]';

const PREFIX: Record<SecretKind, string> = {
  'sso-token': 'SSO',
  'client-session': 'SSO',
  'auth-session': 'AUTHSESS',
  authid: 'AUTHID',
  password: 'PASSWORD',
  authorization: 'AUTHZ',
  'session-handle': 'HANDLE',
  cookie: 'COOKIE',
  oauth: 'OAUTH',
  'suspended-id': 'SUSPENDED',
  jwt: 'JWT',
  username: 'USER',
};

export interface SecretEntry {
  pseudonym: string;
  kind: SecretKind;
  rule: RuleId;
  occurrences: number;
  where: string[];
}

interface Form {
  text: string;
  secret: SecretEntry;
  /** Short forms (user names) only match as whole words. */
  word: boolean;
}

const MIN_SWEEP = 4;
const FILTER_BITS = 1 << 20;
const hash4 = (s: string, i: number) => (((s.charCodeAt(i) * 31 + s.charCodeAt(i + 1)) * 31 + s.charCodeAt(i + 2)) * 31 + s.charCodeAt(i + 3)) & (FILTER_BITS - 1);
const ANCHOR = 8;
const MAX_WHERE = 8;

export const isMarker = (s: string) => s === PASSWORD_MARK || parsePseudonym(s) !== undefined;

export class SecretRegistry {
  readonly secrets: SecretEntry[] = [];
  readonly counts: Partial<Record<RuleId, number>> = {};
  private readonly byForm = new Map<string, SecretEntry>();
  private readonly counters = new Map<string, number>();
  private matcher: { anchors: Map<string, Form[]>; short: Form[]; filter: Uint8Array } | undefined;

  /** Pseudonyms already in the file (re-redacting a redacted HAR): new ones continue after them. */
  reserve(existing: Iterable<string>): void {
    for (const s of existing) {
      const p = parsePseudonym(s);
      if (p) this.counters.set(p.kind, Math.max(this.counters.get(p.kind) ?? 0, p.n));
    }
  }

  /** The pseudonym for a secret value, registering it (and its derived forms) on first sight. */
  label(kind: SecretKind, value: string, rule: RuleId, where: string): string {
    if (isMarker(value)) return value;
    const s = this.entry(kind, value, rule, where);
    this.hit(s, rule, where);
    return s.pseudonym;
  }

  /** How many forms are known: grows whenever a secret is learned. */
  get size(): number {
    return this.byForm.size;
  }

  /** Registers a secret without counting a replacement (a part of another secret). */
  entry(kind: SecretKind, value: string, rule: RuleId, where: string): SecretEntry {
    value = decodedToken(value);
    let s = this.byForm.get(value);
    if (!s) {
      s = this.create(kind, value, rule);
      this.derive(s, kind, value, rule, where);
    }
    return s;
  }

  /** A secret found in some other form (e.g. a token inside a URL-encoded body). */
  known(value: string): SecretEntry | undefined {
    return this.byForm.get(value);
  }

  hit(s: SecretEntry, rule: RuleId, where: string): void {
    s.occurrences++;
    this.counts[rule] = (this.counts[rule] ?? 0) + 1;
    if (s.where.length < MAX_WHERE && !s.where.includes(where)) s.where.push(where);
  }

  private create(kind: SecretKind, value: string, rule: RuleId): SecretEntry {
    const prefix = PREFIX[kind];
    let pseudonym: string;
    if (kind === 'password') pseudonym = PASSWORD_MARK;
    else {
      const n = (this.counters.get(prefix) ?? 0) + 1;
      this.counters.set(prefix, n);
      pseudonym = `REDACTED-${prefix}-${n}${this.suffix(kind, value)}`;
    }
    const s: SecretEntry = { pseudonym, kind, rule, occurrences: 0, where: [] };
    this.secrets.push(s);
    this.addForm(value, s);
    return s;
  }

  /** Server id (not secret: amlbcookie shows it anyway) and, for authIds, where the auth session lives. */
  private suffix(kind: SecretKind, value: string): string {
    const safe = (id: string | undefined) => (id && /^[A-Za-z0-9]{1,8}$/.test(id) ? `@${id}` : '');
    if (kind === 'sso-token' || kind === 'client-session' || kind === 'auth-session') return safe(amToken(value)?.server);
    if (kind === 'authid') {
      const a = authIdInfo(value);
      const at = safe(a?.server);
      return at && a?.storage ? `${at}/${a.storage}` : at;
    }
    return '';
  }

  /** Parts of a secret that are secret on their own: a token's id, a JWT's payload and signature, an authId's sessionId. */
  private derive(s: SecretEntry, kind: SecretKind, value: string, rule: RuleId, where: string): void {
    const t = amToken(value);
    if (t) {
      if (t.id.length >= 12) this.addForm(t.id, s, false, false);
      if (t.sk && t.sk.length >= 12) this.addForm(t.sk, s);
      if (t.suffix) this.addJwtParts(t.suffix, s);
    }
    if (value.startsWith('eyJ')) this.addJwtParts(value, s);
    if (kind === 'auth-session') {
      // Lab event messages name an auth session by its key's first 8 characters ("Auth session tk_QJmeE… expired").
      for (const k of [t ? t.sk : value]) if (k && k.length >= 16 && !k.includes('*')) this.addForm(`${k.slice(0, 8)}…`, s, false, false);
    }
    if (kind === 'authid') {
      const sid = authIdInfo(value)?.sessionId;
      if (sid && !isMarker(sid)) this.entry('auth-session', sid, rule, where);
      const claims = jwtPayload(value);
      if (typeof claims?.otk === 'string' && claims.otk.length >= 12) this.addForm(claims.otk, s);
    }
    if (kind === 'authorization' && /^[A-Za-z0-9+/=]{8,}$/.test(value)) {
      // Basic credentials: the password inside is a secret wherever else it shows up.
      const colon = safeAtob(value)?.indexOf(':') ?? -1;
      if (colon > 0) this.entry('password', safeAtob(value)!.slice(colon + 1), rule, where);
    }
  }

  private addJwtParts(jwt: string, s: SecretEntry): void {
    this.addForm(jwt, s, false, jwt.length < 4096);
    const parts = jwt.split('.');
    // The header segment is the same in every lab JWT: not secret, and sweeping it would mislabel others.
    parts.slice(1).forEach((p) => p.length >= 12 && this.addForm(p, s, false, false));
  }

  /** A form of a secret to sweep; whole values also in base64 (parts of one — a JWT segment, a token id — need not be). */
  addForm(text: string, s: SecretEntry, word = false, base64 = true): void {
    if (!text || isMarker(text)) return;
    const once = safeEncode(text);
    const forms = new Set([text, once, safeEncode(once), ...starEscapes(once), JSON.stringify(text).slice(1, -1), ...(base64 ? [base64Text(text), base64UrlText(text)] : [])]);
    for (const f of forms) {
      if (f.length < MIN_SWEEP && !(word && f.length >= 3)) continue;
      if (!this.byForm.has(f)) this.byForm.set(f, s);
      this.matcher = undefined;
    }
    if (word) this.words.add(text);
  }

  private readonly words = new Set<string>();

  /** Replaces every registered form in a string. Linear: candidates are found by an 8-character anchor. */
  sweep(text: string, where: string): string {
    if (text.length < 3 || !this.byForm.size) return text;
    const m = (this.matcher ??= this.buildMatcher());
    let out = '';
    let last = 0;
    let changed = false;
    if (text.length >= ANCHOR && m.anchors.size) {
      for (let i = 0; i + ANCHOR <= text.length; i++) {
        // A 4-character hash filter first, so most positions cost no allocation.
        const h = hash4(text, i);
        if (!(m.filter[h >> 3]! & (1 << (h & 7)))) continue;
        const cands = m.anchors.get(text.substr(i, ANCHOR));
        if (!cands) continue;
        const hit = cands.find((f) => text.startsWith(f.text, i));
        if (!hit) continue;
        out += text.slice(last, i) + hit.secret.pseudonym;
        this.hit(hit.secret, 'sweep', where);
        i += hit.text.length - 1;
        last = i + 1;
        changed = true;
      }
    }
    if (changed) text = out + text.slice(last);
    for (const f of m.short) {
      if (!text.includes(f.text)) continue;
      const re = new RegExp(f.word ? `(?<![A-Za-z0-9_])${escapeRe(f.text)}(?![A-Za-z0-9_])` : escapeRe(f.text), 'g');
      text = text.replace(re, () => {
        this.hit(f.secret, 'sweep', where);
        return f.secret.pseudonym;
      });
    }
    return text;
  }

  private buildMatcher() {
    const anchors = new Map<string, Form[]>();
    const short: Form[] = [];
    const filter = new Uint8Array(FILTER_BITS / 8);
    for (const [text, secret] of this.byForm) {
      const form: Form = { text, secret, word: this.words.has(text) };
      if (text.length < ANCHOR) short.push(form);
      else {
        const k = text.slice(0, ANCHOR);
        const h = hash4(text, 0);
        filter[h >> 3]! |= 1 << (h & 7);
        if (!anchors.has(k)) anchors.set(k, []);
        anchors.get(k)!.push(form);
      }
    }
    for (const list of anchors.values()) list.sort((a, b) => b.text.length - a.text.length);
    short.sort((a, b) => b.text.length - a.text.length);
    return { anchors, short, filter };
  }
}

/** An AM token or in-flight auth session id, including the `*<ext>*<jwe>` client-journey form. */
export function amToken(value: string) {
  const t = tokenInfo(value.startsWith('*') ? `x${value}` : value);
  return t && !t.pseudonym ? t : undefined;
}

/** An AM token written with `%2A` / `%252A` for its stars, decoded: one token is one secret however it was written. */
function decodedToken(value: string): string {
  if (!/%(?:25)?2A/i.test(value)) return value;
  const decoded = value.replace(/%(?:25)?2A/gi, '*');
  return amToken(decoded) ? decoded : value;
}

/**
 * encodeURIComponent leaves `*` alone, but browsers' and apps' encoders often write it `%2A`, and a
 * token inside an encoded goto parameter is encoded twice (`%252A`).
 */
function starEscapes(encoded: string): string[] {
  if (!encoded.includes('*')) return [];
  const twice = safeEncode(encoded);
  return [encoded.replace(/\*/g, '%2A'), encoded.replace(/\*/g, '%2a'), twice.replace(/\*/g, '%252A'), twice.replace(/\*/g, '%252a')];
}

function safeEncode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return s;
  }
}

function safeAtob(s: string): string | undefined {
  try {
    return atob(s);
  } catch {
    return undefined;
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every pseudonym-looking string inside a text, so a second redaction does not reuse a number. */
export function pseudonymsIn(text: string): string[] {
  return text.match(/REDACTED-[A-Z]+-\d+/g) ?? [];
}
