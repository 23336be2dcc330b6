import { diagnose } from './diagnose';
import { requestLabel, responseLabel } from './diagnose';
import { answeringNode, clockTime, endpoint, requestCookie, setCookies } from './facts';
import { exchangesOf, loginFlows, stepNumber } from './flows';
import type { LabEvent, TraceExchange, TraceItem } from './types';

/**
 * A sequence diagram of a flow as a self-contained SVG string: lanes browser ↔ balancer ↔ nodes ↔
 * CTS, one request arrow per hop labelled with what was sent and why the balancer chose the node,
 * the answer with its status, and lab events as notes. The failing exchange is drawn red.
 * Everything shown comes from the trace — possibly an untrusted HAR — so every text is escaped and
 * the SVG has no script, no external font and no link. Each exchange is a <g data-exchange-id>.
 */
export interface SequenceOptions {
  /** Only these exchanges (a flow); default all. */
  exchangeIds?: string[];
  title?: string;
  /** Exchanges to draw red; default: the failing exchanges of the diagnosis, and any 4xx/5xx. */
  highlight?: string[];
  /** Cap on drawn exchanges (the rest is summarised). Default 150. */
  maxExchanges?: number;
  /** Prefix of the SVG's internal ids, when several diagrams share a page. */
  idPrefix?: string;
}

const LANE = 200;
const MARGIN = 24;
const HEAD = 74;
const ROW = 30;
const RED = '#c62828';
const INK = '#263238';
const MUTED = '#607d8b';

export function sequenceSvg(items: readonly TraceItem[], opts: SequenceOptions = {}): string {
  const ids = opts.exchangeIds ? new Set(opts.exchangeIds) : undefined;
  const all = exchangesOf(items);
  const chosen = all.filter((e) => !ids || ids.has(e.id));
  const max = opts.maxExchanges ?? 150;
  const drawn = chosen.slice(0, max);
  const drawnIds = new Set(drawn.map((e) => e.id));
  const events = items.filter((i): i is LabEvent => i.kind === 'event');
  const evOf = new Map<string, LabEvent[]>();
  for (const e of events) if (e.exchangeId && drawnIds.has(e.exchangeId)) (evOf.get(e.exchangeId) ?? evOf.set(e.exchangeId, []).get(e.exchangeId)!).push(e);
  const failing = new Set(opts.highlight ?? [...diagnose(items).flatMap((f) => (f.failingExchangeId && f.severity !== 'info' ? [f.failingExchangeId] : [])), ...chosen.filter((e) => e.response.status >= 400).map((e) => e.id)]);
  const steps = new Map<string, number>();
  for (const f of loginFlows(all)) for (const s of f.steps) steps.set(s.id, stepNumber(f, s));

  const nodeOf = (ex: TraceExchange) => answeringNode(ex).node;
  const nodes = new Set<string>();
  for (const ex of drawn) {
    const n = nodeOf(ex);
    if (n) nodes.add(n);
    for (const a of ex.routing.attempts) if (a.node) nodes.add(a.node);
  }
  for (const e of events) if (e.node && (!ids || (e.exchangeId && drawnIds.has(e.exchangeId)) || (!e.exchangeId && e.type.startsWith('node-')))) nodes.add(e.node);
  const unknown = drawn.some((e) => !nodeOf(e));
  const browsers = new Set(drawn.map((e) => e.browser ?? 'client'));
  const only = [...browsers][0] ?? 'client';
  const lanes = [browsers.size > 1 ? 'Browsers' : only === 'client' || only.startsWith('page_') ? 'Browser' : `Browser ${only}`, 'Balancer', ...[...nodes].sort().map((n) => `Node ${n}`), ...(unknown ? ['Node ?'] : []), 'CTS'];
  const x = (i: number) => MARGIN + LANE / 2 + i * LANE;
  const laneOf = (node: string | null) => (node && nodes.has(node) ? 2 + [...nodes].sort().indexOf(node) : 2 + nodes.size);
  const cts = lanes.length - 1;
  const p = (opts.idPrefix ?? 'seq').replace(/[^A-Za-z0-9_-]/g, '') || 'seq';

  const body: string[] = [];
  let y = HEAD + 16;
  const loose = [...events].sort((a, b) => a.seq - b.seq).filter((e) => !e.exchangeId && (e.type.startsWith('node-') || e.type === 'config-changed' || e.type === 'clock-changed' || (e.type === 'session-terminated' && e.data.detectedBy === 'reaper')));
  let li = 0;
  // Loose events go between exchanges by record order; a flow shows only those during its span.
  const groupSeq = (ex: TraceExchange) => Math.min(ex.seq, ...(evOf.get(ex.id) ?? []).map((e) => e.seq));
  const from = ids && drawn.length ? Math.min(...drawn.map(groupSeq)) : -Infinity;
  const to = ids && drawn.length ? Math.max(...drawn.map((e) => e.seq)) : Infinity;
  const flushLoose = (until: number) => {
    while (li < loose.length && loose[li]!.seq < until) {
      const e = loose[li++]!;
      if (e.seq < from || e.seq > to) continue;
      const lane = e.type === 'session-terminated' ? cts : e.node ? laneOf(e.node) : -1;
      body.push(note(lane < 0 ? MARGIN : x(lane) - LANE / 2 + 6, y, lane < 0 ? lanes.length * LANE - 12 : lane === cts ? LANE - 12 : LANE * 1.5, `${clockTime(e.labTime)} ${e.message}`, e.type === 'node-down' ? RED : MUTED));
      y += ROW;
    }
  };

  for (const ex of drawn) {
    flushLoose(groupSeq(ex));
    const bad = failing.has(ex.id);
    const color = bad ? RED : INK;
    const node = nodeOf(ex);
    const lane = laneOf(node);
    const g: string[] = [];
    const step = steps.get(ex.id);
    const lb = requestCookie(ex.request.headers, 'amlbcookie');
    const sent = `${ex.request.method} ${requestLabel(ex)}${step ? ` (step ${step})` : ''}`;
    const carried = endpoint(ex) === 'other' ? '' : lb !== undefined ? `amlbcookie=${lb}` : 'no amlbcookie';
    g.push(arrow(p, x(0), x(1), y, sent, INK, false, false, carried));
    y += ROW + 8;
    for (const a of ex.routing.attempts.filter((a) => !/^\d+$/.test(a.outcome))) {
      g.push(arrow(p, x(1), x(laneOf(a.node)), y, `✗ ${a.outcome}`, MUTED, true, false));
      y += ROW;
    }
    const why = ex.routing.policy === 'unknown' ? (node ? `node from ${ex.routing.reason}` : 'node not recorded') : ex.routing.reason || ex.routing.policy;
    g.push(arrow(p, x(1), x(lane), y, why, color, false, bad));
    y += ROW;
    for (const e of evOf.get(ex.id) ?? []) {
      const toCts = (e.type === 'auth-session-created' && e.data.storage === 'cts') || (e.type === 'session-created' && e.data.kind === 'cts') || (e.type === 'session-terminated' && e.data.kind === 'cts');
      const evLane = e.node ? laneOf(e.node) : lane;
      if (toCts) g.push(arrow(p, x(evLane), x(cts), y, ctsLabel(e), MUTED, false, false));
      else g.push(note(x(evLane) - LANE / 2 + 6, y - 10, LANE * 1.8, e.message, e.type === 'auth-session-missed' || e.type === 'login-failed' ? RED : MUTED));
      y += ROW;
    }
    const set = setCookies(ex.response.headers)
      .map((c) => `${c.name}=${c.invalidates ? (c.value || '""') + ' (cleared)' : c.name === 'amlbcookie' ? c.value : '…'}`)
      .join(', ');
    g.push(arrow(p, x(lane), x(1), y, responseLabel(ex), color, true, bad));
    y += ROW;
    g.push(arrow(p, x(1), x(0), y, responseLabel(ex), color, true, bad, set ? `Set-Cookie ${set}` : ''));
    y += ROW + 14;
    body.push(`<g data-exchange-id="${esc(ex.id)}"${bad ? ' data-failing="true"' : ''}><title>${esc(`${clockTime(ex.labStart)} ${ex.request.method} ${ex.request.url} → ${ex.response.status}`)}</title>${g.join('')}</g>`);
  }
  flushLoose(Infinity);
  if (chosen.length > drawn.length) {
    body.push(note(MARGIN, y, lanes.length * LANE - 12, `… ${chosen.length - drawn.length} more exchanges not drawn (select a single flow to see them)`, MUTED));
    y += ROW;
  }

  const width = MARGIN * 2 + lanes.length * LANE;
  const height = y + 24;
  const title = opts.title ?? 'AM Session Lab — sequence';
  const head = lanes
    .map((l, i) => `<rect x="${x(i) - LANE / 2 + 10}" y="${HEAD - 40}" width="${LANE - 20}" height="28" rx="5" fill="${i === 1 ? '#eceff1' : i === cts ? '#e8f5e9' : '#e3f2fd'}" stroke="${MUTED}"/><text x="${x(i)}" y="${HEAD - 21}" text-anchor="middle" font-weight="bold">${esc(l)}</text><line x1="${x(i)}" y1="${HEAD - 12}" x2="${x(i)}" y2="${height - 12}" stroke="#b0bec5" stroke-dasharray="4 4"/>`)
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12" role="img" aria-label="${esc(title)}">`,
    `<title>${esc(title)}</title>`,
    `<defs><marker id="${p}-a" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${INK}"/></marker><marker id="${p}-r" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${RED}"/></marker><marker id="${p}-m" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${MUTED}"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${MARGIN}" y="20" font-size="14" font-weight="bold" fill="${INK}">${esc(title)}</text>`,
    head,
    ...body,
    '</svg>',
  ].join('\n');
}

function ctsLabel(e: LabEvent): string {
  if (e.type === 'auth-session-created') return 'write auth session';
  if (e.type === 'session-created') return 'create session';
  return `delete session (${e.type === 'session-terminated' ? e.data.reason : ''})`;
}

function arrow(p: string, x1: number, x2: number, y: number, label: string, color: string, dashed: boolean, bold: boolean, sub = ''): string {
  const marker = color === RED ? 'r' : color === MUTED ? 'm' : 'a';
  const under = sub ? `<text x="${Math.min(x1, x2) + 4}" y="${y + 13}" fill="${MUTED}" font-size="10">${esc(clip(sub, Math.floor(Math.max(Math.abs(x2 - x1), 160) / 5.4)))}<title>${esc(sub)}</title></text>` : '';
  if (x1 === x2) {
    return `<path d="M${x1},${y - 8} h28 v10 h-26" fill="none" stroke="${color}" stroke-width="${bold ? 2.2 : 1.2}" marker-end="url(#${p}-${marker})"/><text x="${x1 + 34}" y="${y}" fill="${color}">${esc(clip(label, 40))}<title>${esc(label)}</title></text>`;
  }
  const left = Math.min(x1, x2);
  const span = Math.abs(x2 - x1);
  return (
    `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="${color}" stroke-width="${bold ? 2.2 : 1.2}"${dashed ? ' stroke-dasharray="6 4"' : ''} marker-end="url(#${p}-${marker})"/>` +
    `<text x="${left + span / 2}" y="${y - 5}" text-anchor="middle" fill="${color}"${bold ? ' font-weight="bold"' : ''}>${esc(clip(label, Math.max(18, Math.floor(span / 6.4))))}<title>${esc(label)}</title></text>` +
    under
  );
}

function note(x: number, y: number, width: number, text: string, color: string): string {
  return `<g><rect x="${x}" y="${y - 4}" width="${width}" height="20" rx="3" fill="#fffde7" stroke="${color}" stroke-width="0.8"/><text x="${x + 6}" y="${y + 10}" fill="${color}" font-size="11">${esc(clip(text, Math.floor(width / 5.6)))}<title>${esc(text)}</title></text></g>`;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, Math.max(1, n - 1))}…` : s;
}

/** XML-escapes text and drops characters XML 1.0 forbids, so hostile HAR content stays inert text. */
export function esc(s: string): string {
  return String(s)
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
