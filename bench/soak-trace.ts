// Soak: the trace's memory under sustained large bodies (issue 8: 60 KB requests and 100 KB answers
// through `session-lab balance` grew the process to 2–3 GB, then writing the HAR on exit failed).
// Starts one backend answering ~100 KB and `session-lab balance --har` in front of it, sends
// large POSTs until the count (or the time limit) is reached, samples the balancer's resident
// memory from /proc, then stops it with SIGINT and checks the HAR it writes. Bounded; stops
// everything it started by pid.
//
// Usage: node --import tsx bench/soak-trace.ts [--requests 8000] [--concurrency 8] [--seconds 300]
//          [--budget MiB] [--cli path/to/bin/session-lab.js] [--out soak.json]
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { firstJson, ROOT, startChild, startTsChild, stopAll, stopChild } from './procs';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const requests = Number(arg('requests', '8000'));
const concurrency = Number(arg('concurrency', '8'));
const seconds = Number(arg('seconds', '300'));
const budget = arg('budget', '');
const cli = arg('cli', join(ROOT, 'bin/session-lab.js'));
const out = arg('out', '');
const REQUEST_BYTES = 60_000;
const RESPONSE_BYTES = 100_000;

/** Resident and peak resident memory of a process, in MiB, from /proc (Linux). */
function memory(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const m = { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
    return Number.isFinite(m.rss) && Number.isFinite(m.peak) ? m : undefined; // gone, or a zombie

  } catch {
    return undefined;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'soak-trace-'));
const harFile = join(dir, 'trace.har');
try {
  const backend = startTsChild('backend', 'bench/backend.ts', ['01', String(RESPONSE_BYTES)]);
  const { port } = await firstJson<{ port: number }>(backend);
  const balance = startChild('balance', process.execPath, [cli, 'balance', '--backends', `01=http://127.0.0.1:${port}`, '--port', '0', '--quiet', '--har', harFile, ...(budget ? ['--trace-budget', budget] : [])]);
  const { balancer } = await firstJson<{ balancer: string }>(balance, 30_000);

  const samples: { atMs: number; sent: number; rss: number }[] = [];
  const start = performance.now();
  let sent = 0;
  let failed = 0;
  const sampler = setInterval(() => {
    const m = memory(balance.pid);
    if (m) samples.push({ atMs: Math.round(performance.now() - start), sent, rss: Math.round(m.rss) });
  }, 250);
  const pool = new Pool(balancer, { connections: concurrency });
  const body = JSON.stringify({ note: 'lorem ipsum '.repeat(REQUEST_BYTES / 12) });
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < requests && performance.now() < deadline) {
        sent++;
        const r = await pool.request({ path: '/am/json/realms/root/authenticate', method: 'POST', body, headers: { 'content-type': 'application/json' } });
        const text = await r.body.text();
        if (r.statusCode !== 200 || text.length < RESPONSE_BYTES) failed++;
      }
    }),
  );
  const loadMs = performance.now() - start;
  await pool.close();
  const afterLoad = memory(balance.pid)!;

  // Ctrl-C: the balancer writes its trace as HAR, then exits.
  const stopAt = performance.now();
  process.kill(balance.pid, 'SIGINT');
  const exit = await Promise.race([balance.exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 180_000).unref())]);
  clearInterval(sampler);
  const peak = Math.max(afterLoad.peak, ...samples.map((s) => s.rss));
  const harBytes = (() => {
    try {
      return statSync(harFile).size;
    } catch {
      return 0;
    }
  })();
  const harText = harBytes && harBytes < 400 * 1024 * 1024 ? readFileSync(harFile, 'utf8') : '';
  const entries = harText ? (JSON.parse(harText) as { log: { entries: unknown[] } }).log.entries.length : null;
  const result = {
    cli,
    budgetMiB: budget ? Number(budget) : 'default',
    requests: sent,
    failed,
    requestBytes: REQUEST_BYTES,
    responseBytes: RESPONSE_BYTES,
    loadSeconds: Math.round(loadMs / 100) / 10,
    rssMiB: { afterLoad: Math.round(afterLoad.rss), peakDuringLoad: Math.round(afterLoad.peak), peakIncludingHarWrite: Math.round(peak) },
    rssBySent: samples.filter((_, i) => i % Math.max(1, Math.floor(samples.length / 12)) === 0).map((s) => ({ sent: s.sent, rss: s.rss })),
    exit: exit === 'late' ? 'did not exit in 180 s' : exit,
    harWriteSeconds: Math.round((performance.now() - stopAt) / 100) / 10,
    harMiB: Math.round((harBytes / 1024 / 1024) * 10) / 10,
    harEntries: entries,
    stderr: balance.stderr.filter((l) => /Error|Wrote/.test(l)).slice(0, 3),
  };
  console.log(JSON.stringify(result, null, 2));
  if (out) writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  if (exit === 'late') await stopChild(balance);
  await stopChild(backend);
} finally {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}
