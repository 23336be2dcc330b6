import { decodeExtensions } from '../am/tokens';
import { jwtPayload } from './tokenInfo';
import { isMarker, type SecretKind, type SecretRegistry } from './redactRegistry';

/**
 * The redactor's last passes over every string of a HAR (bodies, comments, `_events`, `_diagnosis`,
 * page titles, object keys): every form of every secret met so far, then AM tokens, JWS/JWE and
 * session handles found by shape — also URL-encoded once or twice (`*` written `%2A` or `%252A`),
 * as tokens sit in goto parameters, Location, Referer and custom headers. A string that is JSON is
 * swept value by value and serialized again, so redaction never turns valid JSON invalid.
 */
export class Sweeper {
  private depth = 0;

  constructor(private readonly reg: SecretRegistry) {}

  /**
   * Sweeps until nothing new is learned: a secret found by shape late in the file may also sit,
   * in a form no shape matches (its base64, its id alone), in a string swept before it was known.
   */
  everywhere<T>(value: T, where: string, maxPasses = 5): T {
    let out = value;
    for (let pass = 0; pass < maxPasses; pass++) {
      const known = this.reg.size;
      out = this.value(out, where) as T;
      if (this.reg.size === known) break;
    }
    return out;
  }

  private value(v: unknown, where: string): unknown {
    if (++this.depth > 200) throw new Error('HAR nesting is deeper than 200 levels');
    try {
      if (typeof v === 'string') return this.text(v, where);
      if (v === null || typeof v !== 'object') return v;
      if (Array.isArray(v)) return v.map((x, i) => this.value(x, `${where}[${i}]`));
      const out: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[k.length > 3 ? (this.value(k, where) as string) : k] = this.value(val, `${where}.${k}`);
      return out;
    } finally {
      this.depth--;
    }
  }

  private text(s: string, where: string): string {
    const t = s.trimStart();
    if ((t[0] === '{' || t[0] === '[') && s.length > 1) {
      const parsed = parseJson(s);
      if (parsed !== undefined) {
        const before = JSON.stringify(parsed);
        const after = JSON.stringify(this.value(parsed, where));
        return after === before ? s : after;
      }
    }
    return sweepShapes(this.reg, this.reg.sweep(s, where), where);
  }
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}

const JWT_RE = /eyJ[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*){2,4}/g;
/** An AM token's extension block between two stars, each written `*`, `%2A` or `%252A` (the same way on both sides). */
const EXT_RE = /(\*|%2A|%252A)([A-Za-z0-9_.-]{6,4096})\1/gi;
const JWT_AT = /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){2,4}/y;
const HANDLE_RE = /shandle:[A-Za-z0-9_-]{8,}/g;
const TOKEN_CHAR = /[A-Za-z0-9_.-]/;
const HEX2 = /^[0-9A-Fa-f]{2}$/;

/** Finds AM tokens, JWS/JWE and session handles by shape (imported HARs have no registry). */
export function sweepShapes(reg: SecretRegistry, text: string, where: string): string {
  if (/\*|%(?:25)?2A/i.test(text)) text = sweepTokens(reg, text, where);
  if (text.includes('eyJ')) {
    text = text.replace(JWT_RE, (m: string) => {
      const claims = jwtPayload(m);
      const kind: SecretKind = claims && ('otk' in claims || 'sessionId' in claims) ? 'authid' : 'jwt';
      return reg.label(kind, m, 'shape', where);
    });
  }
  if (text.includes('shandle:')) text = text.replace(HANDLE_RE, (m: string) => reg.label('session-handle', m, 'shape', where));
  return text;
}

/**
 * `<id>*<ext>*[<jwt>]` whose extension block really decodes to AM's (SI, SK, type) pairs. Anchored on
 * the extension so the scan stays linear; the id is found by walking back over token characters,
 * stopping after a percent-escape (`tokenId%3D<id>`). The secret is registered decoded, so one
 * token has one pseudonym however it was written.
 */
function sweepTokens(reg: SecretRegistry, text: string, where: string): string {
  let out = '';
  let last = 0;
  EXT_RE.lastIndex = 0;
  for (let m = EXT_RE.exec(text); m; m = EXT_RE.exec(text)) {
    const e = decodeExtensions(m[2]!);
    if (!e || !(e.SI !== undefined || e.SK !== undefined || e.type !== undefined)) {
      EXT_RE.lastIndex = m.index + 1;
      continue;
    }
    const start = idStart(text, m.index, last);
    let end = m.index + m[0].length;
    JWT_AT.lastIndex = end;
    const jwt = JWT_AT.exec(text);
    if (jwt) end += jwt[0].length;
    const token = `${text.slice(start, m.index)}*${m[2]}*${jwt?.[0] ?? ''}`;
    out += text.slice(last, start) + (isMarker(token) ? token : reg.label(e.type === 'JWT' ? 'client-session' : 'sso-token', token, 'shape', where));
    last = end;
    EXT_RE.lastIndex = end;
  }
  return last ? out + text.slice(last) : text;
}

/** Where a token's id begins, walking back from its first star; a `%XX` (or `%25XX`) escape before it is not part of it. */
function idStart(text: string, star: number, floor: number): number {
  let start = star;
  while (start > floor && star - start < 1024 && TOKEN_CHAR.test(text[start - 1]!)) start--;
  if (start > floor && text[start - 1] === '%') {
    let i = start;
    while (text.startsWith('25', i) && HEX2.test(text.slice(i + 2, i + 4))) i += 2;
    if (HEX2.test(text.slice(i, i + 2)) && i + 2 <= star) start = i + 2;
  }
  return start;
}
