import type { RowResult } from './compare';
import type { LoadRunnerResult } from './loadRunner';
import type { CliStartup, StartupSeries } from './startup';

export interface Machine {
  cpus: number;
  cpuModel: string;
  os: string;
  node: string;
  haproxy: string;
  haproxyDefaultThreads: number | null;
  memoryGiB: number;
  loadAverageBefore: number[];
  loadAverageAfter?: number[];
}

export interface Verdict {
  target: string;
  measured: string;
  met: boolean;
}

const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const pad = (s: string, w: number) => s.padEnd(w);
const lpad = (s: string, w: number) => s.padStart(w);

export function machineLines(m: Machine): string[] {
  return [
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}`,
    `         Node ${m.node}, HAProxy ${m.haproxy} (default nbthread ${m.haproxyDefaultThreads ?? '?'}), load average ${m.loadAverageBefore.join(' ')}${m.loadAverageAfter ? ` → ${m.loadAverageAfter.join(' ')}` : ''}`,
  ];
}

export function proxyTable(rows: RowResult[]): string[] {
  const out: string[] = [];
  out.push(`${pad('', 3)}${pad('target', 40)}${lpad('req/s', 9)}${lpad('p50 ms', 8)}${lpad('p99 ms', 8)}${lpad('mean ms', 9)}   runs (req/s)`);
  rows.forEach((row, i) => {
    const busy = row.foreignCpu === null ? '' : ` [other processes: ${Math.round(row.foreignCpu * 100)} % CPU${row.discarded.length ? `; ${row.discarded.length} busy round(s) replaced` : ''}${row.noisy ? '; NOISY' : ''}]`;
    out.push(`${i + 1}. ${row.name} — ${row.request}${busy}`);
    for (const t of row.targets) {
      const m = t.median;
      out.push(`${pad('', 3)}${pad(t.label, 40)}${lpad(n0(m.rps), 9)}${lpad(m.p50.toFixed(2), 8)}${lpad(m.p99.toFixed(2), 8)}${lpad(m.mean.toFixed(2), 9)}   ${t.runs.map((r) => n0(r.rps)).join(' / ')}`);
    }
    if (row.reference) {
      const r = row.reference;
      out.push(`${pad('', 3)}${pad(r.label, 40)}${lpad(n0(r.rps), 9)}${lpad(r.p50.toFixed(2), 8)}${lpad(r.p99.toFixed(2), 8)}${lpad(r.mean.toFixed(2), 9)}   one run`);
    }
    for (const r of row.ratios) {
      const of = row.targets.find((t) => t.key === r.of)!.label;
      const to = row.targets.find((t) => t.key === r.to)!.label;
      out.push(`${pad('', 3)}${of} / ${to}: ${r.ofMedians.toFixed(3)} of medians; per round ${r.perRound.map((x) => x.toFixed(2)).join(' ')} → median ${r.perRoundMedian.toFixed(3)}`);
    }
    for (const p of row.problems) out.push(`${pad('', 3)}PROBLEM: ${p}`);
  });
  return out;
}

export function startupTable(inProcess: StartupSeries[], cli: CliStartup): string[] {
  const out: string[] = [];
  out.push(`${pad('', 3)}${pad('measurement', 40)}${lpad('median', 9)}${lpad('min', 8)}${lpad('max', 8)}${lpad('first', 8)}   n`);
  const line = (s: StartupSeries) => {
    const busy = s.foreignCpu === undefined || s.foreignCpu === null ? '' : `   (other processes ${Math.round(s.foreignCpu * 100)} % CPU)`;
    out.push(`${pad('', 3)}${pad(s.name, 40)}${lpad(s.median.toFixed(1), 9)}${lpad(s.min.toFixed(1), 8)}${lpad(s.max.toFixed(1), 8)}${lpad(s.first.toFixed(1), 8)}   ${s.ms.length}${busy}`);
    for (const p of s.problems) out.push(`${pad('', 3)}PROBLEM: ${p}`);
  };
  inProcess.forEach(line);
  if (!cli.present) out.push(`${pad('', 3)}CLI serve: main/cli.ts is not there yet; not measured`);
  for (const s of [cli.login, cli.ready, cli.inProcessLogin, cli.bareNode]) if (s) line(s);
  if (cli.present) out.push(`${pad('', 3)}serve exit codes after SIGTERM: ${cli.exitCodes.join(' ')}`);
  return out;
}

export function verdictLines(verdicts: Verdict[]): string[] {
  return verdicts.map((v) => `   ${v.met ? 'MET    ' : 'NOT MET'}  ${v.target}: ${v.measured}`);
}

export function loadRunnerTable(r: LoadRunnerResult): string[] {
  const out = [`   ${r.what}`];
  out.push(`   logins/s per run: ${r.runs.map((x) => n0(x.loginsPerSecond)).join(' / ')} → median ${n0(r.loginsPerSecond)}; failed ${r.failed}; p99 per login ${r.runs.map((x) => x.p99Ms).join(' / ')} ms`);
  out.push(`   resident memory of the lab (${r.rssMiB.processes} processes): ${r.rssMiB.idle} MiB at idle, ${r.rssMiB.afterLogins} MiB after ${n0(r.rssMiB.logins)} logins`);
  if (r.cpu) {
    out.push('   CPU per login by part of the lab (user + system, measured runs):');
    for (const p of r.cpu.parts) out.push(`   ${lpad(p.msPerLogin.toFixed(3), 8)} ms  ${p.part}`);
    out.push(`   ${lpad(r.cpu.totalMsPerLogin.toFixed(3), 8)} ms  in all: ${r.cpu.cores} cores carry at most ${n0(r.cpu.ceiling)} logins/s of that`);
  }
  for (const p of r.problems) out.push(`   PROBLEM: ${p}`);
  return out;
}
