import type { RecipeResult } from './runner';

const MARK = { passed: 'PASS', failed: 'FAIL', error: 'ERROR', skipped: 'SKIP' } as const;

/** The pass/fail table the CLI prints: one row per step, failed expectations spelled out under it. */
export function formatTable(r: RecipeResult, opts: { color?: boolean } = {}): string {
  const paint = (s: string, code: number) => (opts.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const head = `${r.name}${r.variant ? ` [${r.variant}]` : ''} — ${r.title}`;
  const rows = r.steps.map((s) => [`${s.index + 1}`, `${s.line}`, s.label, s.summary, MARK[s.status]] as const);
  const widths = [2, 4, 5, 7].map((min, i) => Math.min(i === 3 ? 70 : 48, Math.max(min, ...rows.map((row) => row[i]!.length))));
  const pad = (cells: readonly string[]) => cells.slice(0, 4).map((c, i) => fit(c, widths[i]!)).join('  ');
  const lines = [head, `${pad(['#', 'line', 'step', 'observed'])}  result`];
  r.steps.forEach((s, i) => {
    const mark = MARK[s.status];
    lines.push(`${pad(rows[i]!)}  ${paint(mark, s.status === 'passed' ? 32 : s.status === 'skipped' ? 33 : 31)}`);
    for (const e of s.expectations.filter((x) => !x.passed)) lines.push(`      ✗ ${e.description.replace(/^step \d+ \(line \d+\) [^:]+: /, '')}: expected ${e.expected}, observed ${e.observed}`);
  });
  const held = r.expectations.filter((e) => e.passed).length;
  const verdict = r.passed ? paint('PASSED', 32) : paint('FAILED', 31);
  lines.push(`${verdict}: ${held} of ${r.expectations.length} expectations held; ${r.steps.length} steps in ${r.durationMs} ms real, ${formatLab(r.labElapsedMs)} on the lab clock${r.aborted ? ' (stopped)' : ''}`);
  return lines.join('\n');
}

function fit(s: string, w: number): string {
  return s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w);
}

function formatLab(ms: number): string {
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 1000)} s`;
}
