import type { SequenceMark, SequenceModel, Tone } from './contract/diagnosis';

/**
 * Draws the engine's sequence model as a self-contained SVG string: what `session-lab har sequence`
 * writes, and what the window shows until it draws the model itself. Every text comes from a trace
 * that may be a customer's HAR, so it is escaped and the SVG has no script, no external font and no
 * link. Each exchange is a <g data-exchange-id>; a failed one is red and bold.
 */
const LANE = 200;
const MARGIN = 24;
const HEAD = 74;
const ROW = 30;
const COLOR: Record<Tone, string> = { normal: '#263238', failed: '#c62828', muted: '#607d8b' };
const LANE_FILL: Record<SequenceModel['lanes'][number]['kind'], string> = { origin: '#fff8e1', browser: '#e3f2fd', balancer: '#eceff1', node: '#e3f2fd', cts: '#e8f5e9' };

export function sequenceSvg(model: SequenceModel, opts: { idPrefix?: string } = {}): string {
  const p = (opts.idPrefix ?? 'seq').replace(/[^A-Za-z0-9_-]/g, '') || 'seq';
  const x = (lane: number) => MARGIN + LANE / 2 + lane * LANE;
  const cts = model.lanes.length - 1;
  const wide = model.lanes.length * LANE - 12;
  const body: string[] = [];
  let y = HEAD + 16;
  const mark = (m: SequenceMark): Drawn => {
    if (m.kind === 'note') return note(x(m.lane ?? 0) - LANE / 2 + 6, y - 10, LANE * 1.8, m.text, m.tone);
    return { svg: arrow(p, x(m.from), x(m.to), y, m.label, m.tone, m.dashed, m.sub ?? ''), extra: 0 };
  };
  for (const row of model.rows) {
    if (row.kind === 'event') {
      const lane = row.lane;
      const drawn = note(lane === null ? MARGIN : x(lane) - LANE / 2 + 6, y, lane === null ? wide : lane === cts ? LANE - 12 : LANE * 1.5, row.text, row.tone);
      body.push(drawn.svg);
      y += ROW + drawn.extra;
      continue;
    }
    const g = row.marks.map((m, i) => {
      const drawn = mark(m);
      y += (i === 0 ? ROW + 8 : ROW) + drawn.extra;
      return drawn.svg;
    });
    y += 14;
    body.push(`<g data-exchange-id="${esc(row.exchangeId)}"${row.failing ? ' data-failing="true"' : ''}><title>${esc(row.title)}</title>${g.join('')}</g>`);
  }
  if (model.omitted) {
    const drawn = note(MARGIN, y, wide, `… ${model.omitted} more exchanges not drawn (select a single flow to see them)`, 'muted');
    body.push(drawn.svg);
    y += ROW + drawn.extra;
  }

  const width = MARGIN * 2 + model.lanes.length * LANE;
  const height = y + 24;
  const head = model.lanes
    .map((l, i) => `<rect x="${x(i) - LANE / 2 + 10}" y="${HEAD - 40}" width="${LANE - 20}" height="28" rx="5" fill="${LANE_FILL[l.kind]}" stroke="${COLOR.muted}"/><text x="${x(i)}" y="${HEAD - 21}" text-anchor="middle" font-weight="bold">${esc(l.label)}</text><line x1="${x(i)}" y1="${HEAD - 12}" x2="${x(i)}" y2="${height - 12}" stroke="#b0bec5" stroke-dasharray="4 4"/>`)
    .join('');
  const marker = (id: string, tone: Tone) => `<marker id="${p}-${id}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${COLOR[tone]}"/></marker>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12" role="img" aria-label="${esc(model.title)}">`,
    `<title>${esc(model.title)}</title>`,
    `<defs>${marker('a', 'normal')}${marker('r', 'failed')}${marker('m', 'muted')}</defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${MARGIN}" y="20" font-size="14" font-weight="bold" fill="${COLOR.normal}">${esc(model.title)}</text>`,
    head,
    ...body,
    '</svg>',
  ].join('\n');
}

function arrow(p: string, x1: number, x2: number, y: number, label: string, tone: Tone, dashed: boolean, sub: string): string {
  const color = COLOR[tone];
  const bold = tone === 'failed';
  const marker = { normal: 'a', failed: 'r', muted: 'm' }[tone];
  const under = sub ? `<text x="${Math.min(x1, x2) + 4}" y="${y + 13}" fill="${COLOR.muted}" font-size="10">${esc(clip(sub, Math.floor(Math.max(Math.abs(x2 - x1), 160) / 5.4)))}<title>${esc(sub)}</title></text>` : '';
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

/** A drawn mark and the height it takes beyond one row (a wrapped note's extra lines). */
interface Drawn {
  svg: string;
  extra: number;
}

const NOTE_LINE = 14;
const NOTE_LINES = 4;

/** A note, its text wrapped at word boundaries (up to NOTE_LINES lines; the full text is its tooltip). */
function note(x: number, y: number, width: number, text: string, tone: Tone): Drawn {
  const color = COLOR[tone];
  const lines = wrap(text, Math.floor(width / 5.6), NOTE_LINES);
  const extra = (lines.length - 1) * NOTE_LINE;
  const spans = lines.map((l, i) => `<tspan x="${x + 6}" dy="${i ? NOTE_LINE : 0}">${esc(l)}</tspan>`).join('');
  return { svg: `<g><rect x="${x}" y="${y - 4}" width="${width}" height="${20 + extra}" rx="3" fill="#fffde7" stroke="${color}" stroke-width="0.8"/><text x="${x + 6}" y="${y + 10}" fill="${color}" font-size="11">${spans}<title>${esc(text)}</title></text></g>`, extra };
}

function wrap(text: string, n: number, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > n) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  const kept = lines.slice(0, max).map((l) => clip(l, n));
  if (lines.length > max) kept[max - 1] = `${clip(kept[max - 1]!, n - 1).replace(/…$/, '')}…`;
  return kept.length ? kept : [''];
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
