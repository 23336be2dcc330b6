import { LabEventSchema, eventText } from '../../contract/events';
import { base64ToBytes, requestCookie, utf8Decode } from './http';
import { DEFAULT_LB_COOKIE } from './tokenInfo';
import { answeringNode, endpoint } from './traffic';
import type { Header, LabEvent, RoutingDecision, TraceExchange, TraceItem } from './types';

/**
 * HAR import: a customer's browser export (Chrome full or sanitized, Firefox, Safari) or the lab's
 * own, turned into trace items so the traffic table, the sequence view and `diagnose` work on it.
 * Hostile input is expected: size and nesting are checked before parsing, every field is checked
 * before use, and anything wrong ends in a HarImportError with a message a user can act on.
 * Browser-safe; no I/O.
 */
export class HarImportError extends Error {
  constructor(
    readonly code: 'too-large' | 'too-deep' | 'not-json' | 'not-har' | 'too-many-entries',
    message: string,
  ) {
    super(message);
    this.name = 'HarImportError';
  }
}

export interface ImportOptions {
  /** Largest file accepted (bytes). Default 50 MB. */
  maxBytes?: number;
  /** Deepest JSON nesting accepted. HAR needs about 10; the lab's events a few more. Default 64. */
  maxDepth?: number;
  maxEntries?: number;
}

export interface ImportResult {
  items: TraceItem[];
  warnings: string[];
  /** What produced the file, from log.creator: "Chrome", "Firefox", "Safari", "AM Session Lab", or its name. */
  creator: string;
  /** The lab's redaction marker, when the file carries one. */
  redaction: 'redacted' | 'none' | 'unknown';
}

export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

export function importHar(text: string, opts: ImportOptions = {}): ImportResult {
  const root = parseHar(text, opts);
  const log = root.log as Record<string, unknown> & { entries: unknown[] };
  const warnings: string[] = [];
  const creator = creatorName(log);
  const exchanges: TraceExchange[] = [];
  const events: LabEvent[] = [];
  const skipped: string[] = [];
  const ids = new Set<string>();
  log.entries.forEach((raw, i) => {
    const r = toExchange(raw, i, ids);
    if (typeof r === 'string') return void skipped.push(`entry ${i + 1}: ${r}`);
    exchanges.push(r.exchange);
    events.push(...r.events);
  });
  if (Array.isArray(log._events)) for (const ev of log._events) {
    const e = toEvent(ev, null);
    if (e) events.push(e);
  }
  const recorded = [log, ...log.entries].reduce<number>((n, x) => n + (Array.isArray(obj(x)?._events) ? (obj(x)!._events as unknown[]).length : 0), 0);
  if (recorded > events.length) warnings.push(`${recorded - events.length} lab event${recorded - events.length === 1 ? ' was' : 's were'} left out: not in this version's event format.`);
  if (log.entries.length && !exchanges.length) throw new HarImportError('not-har', `None of the ${log.entries.length} entries is a HAR entry (${skipped[0]}).`);
  if (skipped.length) warnings.push(`${skipped.length} entr${skipped.length === 1 ? 'y was' : 'ies were'} skipped: ${skipped.slice(0, 3).join('; ')}${skipped.length > 3 ? '; …' : ''}`);
  if (!log.entries.length) warnings.push('The HAR has no entries.');

  const items = ordered(exchanges, events);
  const am = exchanges.filter((e) => endpoint(e) !== 'other');
  const cookies = exchanges.some((e) => e.request.headers.some(([n]) => /^cookie$/i.test(n)) || e.response.headers.some(([n]) => /^set-cookie$/i.test(n)));
  if (am.length && !cookies) warnings.push('cookies absent (sanitized export?): this HAR carries no Cookie or Set-Cookie, so amlbcookie and session cookies cannot be checked. Chrome leaves them out unless "Allow to generate HAR with sensitive data" is on.');
  const noBody = am.filter((e) => !e.response.body && e.response.bodySize !== 0).length;
  if (noBody) warnings.push(`${noBody} AM response${noBody === 1 ? ' has' : 's have'} no body text in the HAR: authIds and error messages in ${noBody === 1 ? 'it' : 'them'} cannot be read.`);
  const marker = obj(log._redaction)?.mode;
  const redaction = marker === 'redacted' || marker === 'none' ? marker : 'unknown';
  if (redaction === 'none') warnings.push('This HAR is marked NOT redacted: it holds live session tokens. Redact it (session-lab har redact) before sharing it.');
  else if (redaction === 'unknown' && looksUnredacted(text)) warnings.push('This HAR holds live session tokens, authIds or passwords. Redact it (session-lab har redact) before attaching it anywhere.');
  return { items, warnings, creator, redaction };
}

/**
 * The checks every HAR reader goes through: size, nesting depth, JSON, then a `log.entries` array.
 * Returns the parsed root (the browser's own structure, untouched) or throws HarImportError.
 */
export function parseHar(text: string, opts: ImportOptions = {}): { log: Record<string, unknown> & { entries: unknown[] } } {
  if (typeof text !== 'string') throw new HarImportError('not-json', 'Expected the text of a HAR file');
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  // Every UTF-16 unit is at least one byte, so length is a safe lower bound of the size.
  if (text.length > maxBytes) throw new HarImportError('too-large', `The file is larger than ${mb(maxBytes)}: ${mb(text.length)} or more. Export a shorter recording (or only the failing login).`);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!text.trim()) throw new HarImportError('not-json', 'The file is empty.');
  checkDepth(text, opts.maxDepth ?? 64);
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new HarImportError('not-json', `This is not valid JSON, so not a HAR file: ${(e as Error).message}`);
  }
  const log = obj(obj(root)?.log);
  if (!log) throw new HarImportError('not-har', 'This JSON is not a HAR file: it has no "log" object.');
  if (!Array.isArray(log.entries)) throw new HarImportError('not-har', 'This JSON is not a HAR file: "log.entries" is not an array.');
  const maxEntries = opts.maxEntries ?? 200_000;
  if (log.entries.length > maxEntries) throw new HarImportError('too-many-entries', `The HAR has ${log.entries.length} entries; at most ${maxEntries} can be opened.`);
  return root as { log: Record<string, unknown> & { entries: unknown[] } };
}

/** Nesting depth, counted outside strings, before JSON.parse can recurse on a hostile file. */
function checkDepth(text: string, max: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) throw new HarImportError('too-deep', `The JSON is nested deeper than ${max} levels (at character ${i}); a HAR file is never that deep.`);
    } else if (c === 125 || c === 93) depth--;
  }
}

function creatorName(log: Record<string, unknown>): string {
  const name = String(obj(log.creator)?.name ?? '');
  const browser = String(obj(log.browser)?.name ?? '');
  if (name === 'AM Session Lab') return name;
  if (/firefox/i.test(name + browser)) return 'Firefox';
  if (/webkit/i.test(name) || /safari/i.test(browser)) return 'Safari';
  if (/webinspector|chrome|devtools/i.test(name + browser)) return 'Chrome';
  return name.slice(0, 80) || 'unknown';
}

function toExchange(raw: unknown, i: number, ids: Set<string>): { exchange: TraceExchange; events: LabEvent[] } | string {
  const e = obj(raw);
  const req = obj(e?.request);
  const res = obj(e?.response);
  if (!e || !req || !res) return 'no request/response object';
  if (typeof req.method !== 'string' || typeof req.url !== 'string') return 'request without method or url';
  const status = Number(res.status);
  if (!Number.isInteger(status) || status < 0 || status > 999) return 'response without a numeric status';
  const realStart = Date.parse(String(e.startedDateTime ?? ''));
  let id = typeof e._exchangeId === 'string' && e._exchangeId ? e._exchangeId.slice(0, 100) : `har-${i + 1}`;
  while (ids.has(id)) id += '+';
  ids.add(id);

  const reqHeaders = headers(req.headers);
  const resHeaders = headers(res.headers);
  // Some exports list cookies only in cookies[]: make them visible where the diagnosis looks.
  const reqCookies = cookieList(req.cookies);
  if (reqCookies.length && !reqHeaders.some(([n]) => /^cookie$/i.test(n))) reqHeaders.push(['cookie', reqCookies.map((c) => `${c.name}=${c.value}`).join('; ')]);
  const resCookies = cookieList(res.cookies);
  if (resCookies.length && !resHeaders.some(([n]) => /^set-cookie$/i.test(n))) for (const c of resCookies) resHeaders.push(['set-cookie', setCookieLine(c)]);

  const post = obj(req.postData);
  const reqBody = typeof post?.text === 'string' ? post.text : Array.isArray(post?.params) ? formBody(post.params) : '';
  const content = obj(res.content);
  const resBody = contentText(content);
  const t = obj(e.timings) ?? {};
  const ms = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
  const total = typeof e.time === 'number' && Number.isFinite(e.time) && e.time >= 0 ? e.time : ms(t.send) + ms(t.wait) + ms(t.receive);
  const lab = obj(e._labTime);
  const start = Number.isFinite(realStart) ? realStart : 0;
  const labStart = typeof lab?.start === 'number' ? lab.start : start;
  const url = req.url;

  const exchange: TraceExchange = {
    kind: 'exchange',
    seq: typeof e._seq === 'number' && Number.isInteger(e._seq) ? e._seq : -1,
    id,
    browser: typeof e._browser === 'string' || e._browser === null ? (e._browser as string | null) : typeof e.pageref === 'string' ? e.pageref.slice(0, 100) : null,
    labStart,
    labEnd: typeof lab?.end === 'number' ? lab.end : labStart + total,
    realStart: start,
    request: {
      method: req.method.slice(0, 32),
      url,
      path: pathOf(url),
      httpVersion: typeof req.httpVersion === 'string' ? req.httpVersion : '',
      headers: reqHeaders,
      body: reqBody,
      bodySize: typeof req.bodySize === 'number' && req.bodySize >= 0 ? req.bodySize : new TextEncoder().encode(reqBody).length,
    },
    routing: { policy: 'unknown', reason: '', cookie: null, node: null, redispatched: false, attempts: [] },
    response: {
      status,
      statusText: typeof res.statusText === 'string' ? res.statusText : '',
      headers: resHeaders,
      body: resBody,
      bodySize: typeof content?.size === 'number' && content.size >= 0 ? content.size : typeof res.bodySize === 'number' && res.bodySize >= 0 ? res.bodySize : resBody.length,
    },
    timings: { send: ms(t.send), wait: ms(t.wait), receive: ms(t.receive), total },
    ...(typeof e._error === 'string' ? { error: e._error } : {}),
  };
  exchange.routing = routing(e, exchange);
  const events = Array.isArray(e._events) ? e._events.map((ev) => toEvent(ev, id)).filter((x): x is LabEvent => !!x) : [];
  return { exchange, events };
}

/** The lab's own routing record when present; otherwise the node the response itself names. */
function routing(e: Record<string, unknown>, ex: TraceExchange): RoutingDecision {
  const r = obj(e._routing);
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  if (r && typeof r.policy === 'string' && typeof r.reason === 'string') {
    return {
      policy: r.policy,
      reason: r.reason,
      cookie: str(r.cookie),
      node: str(r.node),
      ...(typeof r.cookieName === 'string' ? { cookieName: r.cookieName } : {}),
      redispatched: r.redispatched === true,
      ...(typeof r.redispatchedFrom === 'string' ? { redispatchedFrom: r.redispatchedFrom } : {}),
      attempts: Array.isArray(r.attempts) ? r.attempts.map(obj).filter((a) => !!a).map((a) => ({ node: String(a!.node ?? ''), outcome: String(a!.outcome ?? '') })) : [],
    };
  }
  const cookie = requestCookie(ex.request.headers, DEFAULT_LB_COOKIE) ?? null;
  // policy "unknown": no balancer recorded this; the reason says where the node was read from.
  if (typeof e._node === 'string') return { policy: 'unknown', reason: '_node', cookie, node: e._node, redispatched: false, attempts: [] };
  const found = answeringNode(ex);
  return { policy: 'unknown', reason: found.how, cookie, node: found.node, redispatched: false, attempts: [] };
}

/**
 * A lab event from `_events`, checked against its type's schema (the file may be old, edited or
 * hostile); its sentence is rendered again from the checked data, never taken from the file.
 */
function toEvent(raw: unknown, exchangeId: string | null): LabEvent | undefined {
  const parsed = LabEventSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const e = parsed.data as Omit<LabEvent, 'kind' | 'message' | 'realTime'> & { realTime?: number };
  const node = e.node ?? null;
  return {
    kind: 'event',
    seq: Number.isInteger(e.seq) ? e.seq : -1,
    type: e.type,
    labTime: e.labTime,
    realTime: e.realTime ?? e.labTime,
    node,
    exchangeId: e.exchangeId ?? exchangeId,
    message: eventText(e.type, e.data, node),
    data: e.data,
  } as LabEvent;
}

/**
 * Items in the order they happened. The lab's own export keeps its sequence numbers; otherwise
 * entries go by start time, each entry's events just before it (as the recorder orders them).
 */
function ordered(exchanges: TraceExchange[], events: LabEvent[]): TraceItem[] {
  const all: TraceItem[] = [...exchanges, ...events];
  const seqs = all.map((i) => i.seq);
  if (seqs.every((s) => s >= 0) && new Set(seqs).size === seqs.length) return all.sort((a, b) => a.seq - b.seq);
  const byEx = new Map<string, LabEvent[]>();
  const loose: LabEvent[] = [];
  const known = new Set(exchanges.map((x) => x.id));
  for (const ev of events) {
    if (ev.exchangeId && known.has(ev.exchangeId)) (byEx.get(ev.exchangeId) ?? byEx.set(ev.exchangeId, []).get(ev.exchangeId)!).push(ev);
    else loose.push(ev);
  }
  const timeline: { t: number; group: TraceItem[] }[] = [
    ...exchanges.map((x) => ({ t: x.labStart, group: [...(byEx.get(x.id) ?? []), x] as TraceItem[] })),
    ...loose.map((ev) => ({ t: ev.labTime, group: [ev] as TraceItem[] })),
  ];
  timeline.sort((a, b) => a.t - b.t);
  let seq = 0;
  const out: TraceItem[] = [];
  for (const g of timeline) for (const item of g.group) out.push({ ...item, seq: ++seq } as TraceItem);
  return out;
}

function headers(v: unknown): Header[] {
  if (!Array.isArray(v)) return [];
  const out: Header[] = [];
  for (const h of v) {
    const o = obj(h);
    if (o && typeof o.name === 'string' && o.value !== undefined && o.value !== null) out.push([o.name, String(o.value)]);
  }
  return out;
}

interface HarCookieLike {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  expires?: string;
  httpOnly?: boolean;
  secure?: boolean;
}

function cookieList(v: unknown): HarCookieLike[] {
  if (!Array.isArray(v)) return [];
  return v.map(obj).filter((c): c is Record<string, unknown> => !!c && typeof c.name === 'string' && typeof c.value === 'string') as unknown as HarCookieLike[];
}

function setCookieLine(c: HarCookieLike): string {
  let line = `${c.name}=${c.value}`;
  if (typeof c.expires === 'string' && Number.isFinite(Date.parse(c.expires))) line += `; Expires=${new Date(c.expires).toUTCString()}`;
  if (typeof c.path === 'string') line += `; Path=${c.path}`;
  if (typeof c.domain === 'string') line += `; Domain=${c.domain}`;
  if (c.secure) line += '; Secure';
  if (c.httpOnly) line += '; HttpOnly';
  return line;
}

function formBody(params: unknown[]): string {
  return params
    .map(obj)
    .filter((p) => !!p && typeof p.name === 'string')
    .map((p) => `${encodeURIComponent(p!.name as string)}=${encodeURIComponent(String(p!.value ?? ''))}`)
    .join('&');
}

function contentText(content: Record<string, unknown> | undefined): string {
  if (!content || typeof content.text !== 'string') return '';
  if (content.encoding !== 'base64') return content.text;
  const bytes = base64ToBytes(content.text);
  return bytes ? utf8Decode(bytes) : '';
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}

/** Cheap signs of live secrets: SSO-token extensions, JWTs, password callbacks with values, ZPL passwords. */
function looksUnredacted(text: string): boolean {
  return /\*AAJTSQ|eyJ[A-Za-z0-9_-]{4,}\.eyJ|"name"\s*:\s*"x-openam-password"\s*,\s*"value"\s*:\s*"(?!\[REDACTED)/i.test(text);
}

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
