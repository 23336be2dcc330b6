import type { SequenceMark, SequenceModel, SequenceRow } from '../../contract/diagnosis';
import { diagnose } from './diagnose';
import { clockTime, requestLabel, responseLabel } from './evidence';
import { exchangesOf, loginFlows, stepNumber } from './flows';
import { requestCookie, setCookies } from './http';
import { answeringNode, endpoint } from './traffic';
import type { LabEvent, TraceExchange, TraceItem } from './types';

export type { SequenceModel };

/**
 * A flow as a sequence diagram, described (drawing is the host's or the window's business): lanes
 * browser ↔ balancer ↔ nodes ↔ CTS, one request arrow per hop labelled with what was sent and why
 * the balancer chose the node, the answer with its status, and lab events as notes. The failing
 * exchanges are marked. Everything comes from the trace — possibly an untrusted HAR.
 */
export interface SequenceOptions {
  /** Only these exchanges (a flow); default all. */
  exchangeIds?: string[];
  title?: string;
  /** Exchanges that failed; default: the failing exchanges of the diagnosis, and any 4xx/5xx. */
  highlight?: string[];
  /** Cap on described exchanges (the rest is counted in `omitted`). Default 150. */
  maxExchanges?: number;
}

export function sequenceModel(items: readonly TraceItem[], opts: SequenceOptions = {}): SequenceModel {
  const ids = opts.exchangeIds ? new Set(opts.exchangeIds) : undefined;
  const all = exchangesOf(items);
  const chosen = all.filter((e) => !ids || ids.has(e.id));
  const drawn = chosen.slice(0, opts.maxExchanges ?? 150);
  const drawnIds = new Set(drawn.map((e) => e.id));
  const events = items.filter((i): i is LabEvent => i.kind === 'event');
  const evOf = new Map<string, LabEvent[]>();
  for (const e of events) if (e.exchangeId && drawnIds.has(e.exchangeId)) (evOf.get(e.exchangeId) ?? evOf.set(e.exchangeId, []).get(e.exchangeId)!).push(e);
  const failing = new Set(opts.highlight ?? [...diagnose(items).flatMap((f) => (f.failingExchangeId && f.severity !== 'info' ? [f.failingExchangeId] : [])), ...chosen.filter((e) => e.response.status >= 400).map((e) => e.id)]);
  const steps = new Map<string, number>();
  for (const f of loginFlows(all)) for (const s of f.steps) steps.set(s.id, stepNumber(f, s));

  const nodeOf = (ex: TraceExchange) => answeringNode(ex).node;
  // Only AM's traffic crosses the balancer; an imported HAR's app pages and other sites go straight to their origin.
  const isAm = amTraffic(all);
  const nodeSet = new Set<string>();
  for (const ex of drawn.filter(isAm)) {
    const n = nodeOf(ex);
    if (n) nodeSet.add(n);
    for (const a of ex.routing.attempts) if (a.node) nodeSet.add(a.node);
  }
  for (const e of events) if (e.node && (!ids || (e.exchangeId && drawnIds.has(e.exchangeId)) || (!e.exchangeId && e.type.startsWith('node-')))) nodeSet.add(e.node);
  const nodes = [...nodeSet].sort();
  const unknown = drawn.some((e) => isAm(e) && !nodeOf(e));
  const others = [...new Set(drawn.filter((e) => !isAm(e)).map((e) => originOf(e.request.url)))];
  const browsers = new Set(drawn.map((e) => e.browser ?? 'client'));
  const only = [...browsers][0] ?? 'client';
  const lanes: SequenceModel['lanes'] = [
    ...(others.length ? [{ label: others.length === 1 ? hostOf(others[0]!) : 'Other sites', kind: 'origin' as const }] : []),
    { label: browsers.size > 1 ? 'Browsers' : only === 'client' || only.startsWith('page_') ? 'Browser' : `Browser ${only}`, kind: 'browser' },
    { label: 'Balancer', kind: 'balancer' },
    ...nodes.map((n) => ({ label: `Node ${n}`, kind: 'node' as const })),
    ...(unknown ? [{ label: 'Node ?', kind: 'node' as const }] : []),
    { label: 'CTS', kind: 'cts' },
  ];
  const site = others.length ? 0 : -1;
  const client = site + 1;
  const balancer = client + 1;
  const laneOf = (node: string | null) => balancer + 1 + (node && nodeSet.has(node) ? nodes.indexOf(node) : nodes.length);
  const cts = lanes.length - 1;

  const rows: SequenceRow[] = [];
  const loose = [...events].sort((a, b) => a.seq - b.seq).filter((e) => !e.exchangeId && (e.type.startsWith('node-') || e.type === 'config-changed' || e.type === 'clock-changed' || (e.type === 'session-terminated' && e.data.detectedBy === 'reaper')));
  let li = 0;
  // Loose events go between exchanges by record order; a flow shows only those during its span.
  const groupSeq = (ex: TraceExchange) => Math.min(ex.seq, ...(evOf.get(ex.id) ?? []).map((e) => e.seq));
  const from = ids && drawn.length ? Math.min(...drawn.map(groupSeq)) : -Infinity;
  const to = ids && drawn.length ? Math.max(...drawn.map((e) => e.seq)) : Infinity;
  const looseUntil = (until: number) => {
    while (li < loose.length && loose[li]!.seq < until) {
      const e = loose[li++]!;
      if (e.seq < from || e.seq > to) continue;
      rows.push({ kind: 'event', lane: e.type === 'session-terminated' ? cts : e.node ? laneOf(e.node) : null, text: `${clockTime(e.labTime)} ${e.message}`, tone: e.type === 'node-down' ? 'failed' : 'muted' });
    }
  };

  for (const ex of drawn) {
    looseUntil(groupSeq(ex));
    const bad = failing.has(ex.id);
    const tone = bad ? 'failed' : 'normal';
    const title = `${clockTime(ex.labStart)} ${ex.request.method} ${ex.request.url} → ${ex.response.status}`;
    if (!isAm(ex)) {
      const path = `${ex.request.method} ${hostOf(originOf(ex.request.url))}${(ex.request.path || pathOf(ex.request.url)).split('?')[0]}`;
      marks(rows, ex, bad, title, [
        { kind: 'arrow', from: client, to: site, label: path, tone: 'normal', dashed: false },
        { kind: 'arrow', from: site, to: client, label: responseLabel(ex), tone, dashed: true },
      ]);
      continue;
    }
    const node = nodeOf(ex);
    const lane = laneOf(node);
    const step = steps.get(ex.id);
    const lb = requestCookie(ex.request.headers, 'amlbcookie');
    const am = endpoint(ex) !== 'other';
    const out: SequenceMark[] = [
      {
        kind: 'arrow',
        from: client,
        to: balancer,
        label: `${am ? `${ex.request.method} ` : ''}${requestLabel(ex)}${step ? ` (step ${step})` : ''}`,
        sub: !am ? undefined : lb !== undefined ? `amlbcookie=${lb}` : 'no amlbcookie',
        tone: 'normal',
        dashed: false,
      },
    ];
    for (const a of ex.routing.attempts.filter((a) => !/^\d+$/.test(a.outcome))) out.push({ kind: 'arrow', from: balancer, to: laneOf(a.node), label: `✗ ${a.outcome}`, tone: 'muted', dashed: true });
    const why = ex.routing.policy === 'unknown' ? (node ? `node from ${ex.routing.reason}` : 'node not recorded') : ex.routing.reason || ex.routing.policy;
    out.push({ kind: 'arrow', from: balancer, to: lane, label: why, tone, dashed: false });
    for (const e of evOf.get(ex.id) ?? []) {
      const toCts = (e.type === 'auth-session-created' && e.data.storage === 'cts') || (e.type === 'session-created' && e.data.kind === 'cts') || (e.type === 'session-terminated' && e.data.kind === 'cts');
      const evLane = e.node ? laneOf(e.node) : lane;
      if (toCts) out.push({ kind: 'arrow', from: evLane, to: cts, label: ctsLabel(e), tone: 'muted', dashed: false });
      else out.push({ kind: 'note', lane: evLane, text: e.message, tone: e.type === 'auth-session-missed' || e.type === 'login-failed' ? 'failed' : 'muted' });
    }
    const set = setCookies(ex.response.headers)
      .map((c) => `${c.name}=${c.invalidates ? (c.value || '""') + ' (cleared)' : c.name === 'amlbcookie' ? c.value : '…'}`)
      .join(', ');
    out.push({ kind: 'arrow', from: lane, to: balancer, label: responseLabel(ex), tone, dashed: true });
    out.push({ kind: 'arrow', from: balancer, to: client, label: responseLabel(ex), sub: set ? `Set-Cookie ${set}` : undefined, tone, dashed: true });
    marks(rows, ex, bad, title, out);
  }
  looseUntil(Infinity);
  const outcome = !drawn.length ? 'empty' : drawn.some((e) => failing.has(e.id)) ? 'failed' : 'ok';
  return { title: opts.title ?? 'AM Session Lab — sequence', lanes, rows, omitted: chosen.length - drawn.length, outcome };
}

function marks(rows: SequenceRow[], ex: TraceExchange, failing: boolean, title: string, list: SequenceMark[]): void {
  rows.push({ kind: 'exchange', exchangeId: ex.id, failing, title, marks: list });
}

/** AM's paths (REST, OAuth 2.0, its UI, health): an origin serving one of them is AM behind the balancer. */
const AM_PATH = /\/(?:json|oauth2|XUI|UI|isAlive\.jsp|identity|saml2|Consent)(?:[/?#]|$)/;

/** Which exchanges are AM's: all of a lab trace; in an imported HAR, those to an origin that served an AM path. */
function amTraffic(exchanges: readonly TraceExchange[]): (ex: TraceExchange) => boolean {
  const am = new Set(exchanges.filter((e) => AM_PATH.test(pathOf(e.request.url))).map((e) => originOf(e.request.url)));
  return (ex) => ex.routing.policy !== 'unknown' || !am.size || am.has(originOf(ex.request.url));
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

function hostOf(origin: string): string {
  return origin.replace(/^[a-z]+:\/\//, '') || 'another site';
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

function ctsLabel(e: LabEvent): string {
  if (e.type === 'auth-session-created') return 'write auth session';
  if (e.type === 'session-created') return 'create session';
  return `delete session (${e.type === 'session-terminated' ? e.data.reason : ''})`;
}
