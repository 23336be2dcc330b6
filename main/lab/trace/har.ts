import type { Cookie, Entry, Header as HarHeader, Page, QueryString } from 'har-format';
import { isEvent, type HarEvent, type LabHar } from '../../contract/trace';
import { diagnose, type Finding } from './diagnose';
import { byStart } from './flows';
import { headerValue, parseSetCookie, requestCookies } from './http';
import { redactHar, RULE_VERSION, type RedactOptions } from './redact';
import { lbCookieName, sessionCookieNames } from './traffic';
import type { Header, LabEvent, TraceExchange, TraceItem } from './types';

/**
 * HAR 1.2 export of the lab's trace: the whole trace, one virtual browser, or a chosen set of
 * exchanges (a flow or a filtered view). Entries are in the order requests started; one page per
 * virtual browser. Timings are the balancer's measurements — never invented: phases it cannot see
 * (blocked, dns, connect, ssl) are -1. What HAR has no field for travels in underscore fields:
 * `_node`, `_routing`, `_labTime`, `_events`, `_diagnosis` (and `_exchangeId`, `_seq`, `_browser`
 * so the file imports back into the same trace). Redaction is on unless `redact: false`.
 */
export const CREATOR = { name: 'AM Session Lab', version: '0.1.0' } as const;

export interface ExportOptions {
  /** Default true. false writes live tokens and passwords, and says so in the file. */
  redact?: boolean;
  /** Only this virtual browser's exchanges. */
  browser?: string;
  /** Only these exchanges (a flow, or the rows of a filtered table). */
  exchangeIds?: string[];
  /** Title of the page(s); default "Virtual browser <id>". */
  title?: string;
  /** Display names of virtual browsers, by id. */
  browserNames?: Record<string, string>;
  /** Passed to the redactor (e.g. knownSecrets: the admin password; pseudonymizeUsers). */
  redactOptions?: RedactOptions;
}

export type { HarEvent, LabHar };

const truncatedNote = (size: number) => `body truncated by the lab trace: ${size} bytes were sent, the text holds the first part and a marker`;

export function exportHar(items: readonly TraceItem[], opts: ExportOptions = {}): LabHar {
  const all = items.filter((i): i is TraceExchange => i.kind === 'exchange');
  const ids = opts.exchangeIds ? new Set(opts.exchangeIds) : undefined;
  const chosen = all.filter((e) => (!opts.browser || e.browser === opts.browser) && (!ids || ids.has(e.id))).sort(byStart);
  const chosenIds = new Set(chosen.map((e) => e.id));
  const events = items.filter((i): i is LabEvent => i.kind === 'event');
  const whole = !opts.browser && !ids;
  // Diagnosis runs on everything recorded, then each entry carries the findings that cite it.
  const findings = diagnose(items).filter((f) => whole || f.exchangeIds.some((id) => chosenIds.has(id)));
  const byEntry = new Map<string, Finding[]>();
  for (const f of findings) for (const id of f.exchangeIds) if (chosenIds.has(id)) (byEntry.get(id) ?? byEntry.set(id, []).get(id)!).push(f);
  const eventsOf = new Map<string, HarEvent[]>();
  for (const e of events) if (e.exchangeId && chosenIds.has(e.exchangeId)) (eventsOf.get(e.exchangeId) ?? eventsOf.set(e.exchangeId, []).get(e.exchangeId)!).push(plainEvent(e));

  const pages = new Map<string, Page>();
  const entries: Entry[] = chosen.map((ex) => {
    const pageId = `page_${ex.browser ?? 'other'}`;
    if (!pages.has(pageId)) {
      const name = ex.browser ? (opts.browserNames?.[ex.browser] ?? `Virtual browser ${ex.browser}`) : 'Other clients (curl, SDK, admin)';
      pages.set(pageId, { startedDateTime: iso(ex.realStart), id: pageId, title: opts.title ? `${opts.title} — ${name}` : name, pageTimings: { onContentLoad: -1, onLoad: -1 }, _browser: ex.browser });
    }
    return entry(ex, pageId, eventsOf.get(ex.id) ?? [], byEntry.get(ex.id) ?? []);
  });

  const har: LabHar = {
    log: {
      version: '1.2',
      creator: { ...CREATOR },
      pages: [...pages.values()],
      entries,
      _events: looseEvents(events, chosen, whole).map(plainEvent),
      _diagnosis: findings,
    },
  };
  if (opts.redact === false) {
    har.log._redaction = { mode: 'none', ruleVersion: RULE_VERSION, counts: {} };
    har.log.comment = 'NOT REDACTED: this file holds live SSO tokens, authIds and passwords. Do not attach it to a ticket or send it to anyone.';
    return har;
  }
  // The cookie names this lab used (they can be renamed) are read from the trace itself.
  const names = { ssoCookieNames: [...sessionCookieNames(all)], keepCookies: [lbCookieName(all)] };
  return redactHar(har, { ...names, ...opts.redactOptions }).har as LabHar;
}

function entry(ex: TraceExchange, pageref: string, events: HarEvent[], findings: Finding[]): Entry {
  const reqType = headerValue(ex.request.headers, 'content-type') ?? '';
  const resType = headerValue(ex.response.headers, 'content-type') ?? '';
  const location = headerValue(ex.response.headers, 'location') ?? '';
  const host = safeUrl(ex.request.url)?.hostname;
  const e: Entry = {
    pageref,
    startedDateTime: iso(ex.realStart),
    time: ex.timings.total,
    request: {
      method: ex.request.method,
      url: ex.request.url,
      httpVersion: ex.request.httpVersion,
      cookies: requestCookies(ex.request.headers).map((c) => ({ name: c.name, value: c.value })),
      headers: harHeaders(ex.request.headers),
      queryString: queryString(ex.request.url),
      ...(ex.request.body || ex.request.bodySize > 0
        ? { postData: { mimeType: reqType, text: ex.request.body, ...(ex.request.truncated ? { comment: truncatedNote(ex.request.bodySize), _truncated: true } : {}) } }
        : {}),
      headersSize: -1,
      bodySize: ex.request.bodySize,
    },
    response: {
      status: ex.response.status,
      statusText: ex.response.statusText,
      httpVersion: ex.request.httpVersion,
      cookies: ex.response.headers.filter(([n]) => n.toLowerCase() === 'set-cookie').map(([, v]) => harCookie(v)),
      headers: harHeaders(ex.response.headers),
      content: { size: ex.response.bodySize, mimeType: resType, text: ex.response.body, ...(ex.response.truncated ? { comment: truncatedNote(ex.response.bodySize), _truncated: true } : {}) },
      redirectURL: location,
      headersSize: -1,
      bodySize: ex.response.bodySize,
    },
    cache: {},
    // Measured at the balancer: wait = node time to first byte, receive = reading the answer.
    timings: {
      blocked: -1,
      dns: -1,
      connect: -1,
      ssl: -1,
      send: ex.timings.send,
      wait: ex.timings.wait,
      receive: ex.timings.receive,
      comment: 'measured at the lab balancer; time is its total for the exchange (reading the request, routing, the node, writing the answer)',
    },
    ...(host && /^[\d.]+$|^\[?[0-9a-f:]+\]?$/i.test(host) ? { serverIPAddress: host.replace(/^\[|\]$/g, '') } : {}),
    _exchangeId: ex.id,
    _seq: ex.seq,
    _browser: ex.browser,
    _node: ex.routing.node,
    _routing: ex.routing,
    _labTime: { start: ex.labStart, end: ex.labEnd, startedDateTime: iso(ex.labStart) },
    _events: events,
    _diagnosis: findings,
  };
  if (ex.error) e._error = ex.error;
  return e;
}

/**
 * Events not tied to an exported exchange: cluster events (node down, config, clock) always; for a
 * partial export, session events only for sessions its exchanges created.
 */
function looseEvents(events: LabEvent[], chosen: TraceExchange[], whole: boolean): LabEvent[] {
  const ids = new Set(chosen.map((e) => e.id));
  const loose = events.filter((e) => !e.exchangeId || !ids.has(e.exchangeId));
  if (whole) return loose;
  const handles = new Set(events.filter(isEvent('session-created')).filter((e) => e.exchangeId && ids.has(e.exchangeId)).map((e) => e.data.handle));
  const handleOf = (e: LabEvent) => (e.type === 'session-created' || e.type === 'session-terminated' ? e.data.handle : undefined);
  const cluster = new Set<LabEvent['type']>(['node-up', 'node-down', 'node-drained', 'node-undrained', 'node-added', 'node-removed', 'config-changed', 'clock-changed']);
  const first = chosen[0]?.labStart ?? 0;
  // An admin's termination of this browser's session happened in the admin's exchange: keep it.
  return loose.filter((e) => handles.has(handleOf(e) ?? '') || (!e.exchangeId && cluster.has(e.type) && (e.labTime >= first - 60_000 || e.type === 'config-changed')));
}

function plainEvent(e: LabEvent): HarEvent {
  const { kind: _kind, ...rest } = e;
  return structuredClone(rest);
}

function harHeaders(h: Header[]): HarHeader[] {
  return h.map(([name, value]) => ({ name, value }));
}

function harCookie(line: string): Cookie {
  const c = parseSetCookie(line);
  return {
    name: c.name,
    value: c.value,
    ...(c.path !== undefined ? { path: c.path } : {}),
    ...(c.domain !== undefined ? { domain: c.domain } : {}),
    ...(c.expires !== undefined ? { expires: c.expires } : {}),
    httpOnly: c.httpOnly,
    secure: c.secure,
    ...(c.sameSite ? { _sameSite: c.sameSite } : {}),
    ...(c.maxAge !== undefined ? { _maxAge: c.maxAge } : {}),
  } as Cookie;
}

function queryString(url: string): QueryString[] {
  const u = safeUrl(url);
  return u ? [...u.searchParams].map(([name, value]) => ({ name, value })) : [];
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

const iso = (ms: number) => new Date(Number.isFinite(ms) ? ms : 0).toISOString();
