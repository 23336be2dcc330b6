import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { TOKEN_HEADER } from '../main/contract/names';
import type { LoadSummary } from '../main/contract/recipes';
import { cpuSnapshot, foreignShare } from './cpu';
import { livePids, processTree, ROOT, startChild, stopChild, type Child } from './procs';
import { median, round } from './stats';

export interface LoadRun {
  logins: number;
  succeeded: number;
  failed: number;
  loginsPerSecond: number;
  p99Ms: number;
  failuresByReason: Record<string, number>;
  foreignCpu: number | null;
}

/** CPU time (user + system) one login costs in one part of the lab, from /proc over the measured runs. */
export interface CpuPart {
  part: string;
  msPerLogin: number;
}

export interface LoadRunnerResult {
  what: string;
  concurrency: number;
  runs: LoadRun[];
  /** The median run's logins/s; failures over all runs. */
  loginsPerSecond: number;
  failed: number;
  /** Resident memory of the whole lab: the web host and every process it started (its AM nodes). */
  rssMiB: { idle: number; afterLogins: number; logins: number; processes: number };
  /**
   * Where a login's CPU goes, summed over the measured runs: the web host's main thread, its
   * balancer + load runner worker thread, its other threads, the AM node processes. `ceiling` is
   * the logins/s the machine's cores could give if the lab had them all to itself (cores × 1000 / total).
   */
  cpu: { parts: CpuPart[]; totalMsPerLogin: number; cores: number; ceiling: number } | null;
  exitCode: number | null;
  problems: string[];
}

/**
 * The window's load runner as a user drives it: `session-lab web --sticky` (the lab as the app
 * runs it: AM nodes as processes, the balancer and load runner on their own thread), then
 * `POST /api/perform {"action":"load"}` with the per-launch token, run after run until `total`
 * two-step chain logins are done. Resident memory of the host and its node processes is read at
 * idle and at the end, and the CPU each part of the lab spends per login over the measured runs.
 * `root`: another checkout of the project to run instead (a before/after comparison).
 */
export async function loadRunnerRuns(total: number, perRun: number, concurrency: number, log: (l: string) => void, root = ROOT): Promise<LoadRunnerResult> {
  const child = startChild('session-lab web', process.execPath, [join(root, 'bin', 'session-lab.js'), 'web', '--port', '0', '--sticky'], { cwd: root });
  const problems: string[] = [];
  const runs: LoadRun[] = [];
  let rss = { idle: 0, afterLogins: 0, logins: 0, processes: 0 };
  let cpu: LoadRunnerResult['cpu'] = null;
  try {
    const url = new URL(await firstLine(child));
    const token = new URLSearchParams(url.hash.slice(1)).get('token')!;
    const perform = async (action: object) => {
      const r = await request(`${url.origin}/api/perform`, { method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token }, body: JSON.stringify(action), bodyTimeout: 0, headersTimeout: 0 });
      const body = (await r.body.json()) as { load?: LoadSummary; message?: string };
      if (r.statusCode !== 200 || !body.load) throw new Error(`POST /api/perform load answered ${r.statusCode}: ${body.message ?? JSON.stringify(body).slice(0, 200)}`);
      return body.load;
    };
    // The first logins warm the code paths up (JIT, connection pools); they count for memory only.
    await perform({ action: 'load', logins: Math.min(500, perRun), concurrency });
    let done = Math.min(500, perRun);
    const idle = labRss(child.pid);
    const measured = new Map<string, number>();
    let measuredLogins = 0;
    for (let left = total; left > 0; left -= perRun) {
      const n = Math.min(perRun, left);
      const c0 = cpuSnapshot(livePids());
      const t0 = labThreads(child.pid);
      const s = await perform({ action: 'load', logins: n, concurrency });
      addParts(measured, t0, labThreads(child.pid), child.pid);
      measuredLogins += s.attempted;
      const foreign = foreignShare(c0, cpuSnapshot(livePids()));
      done += s.attempted;
      runs.push({ logins: s.attempted, succeeded: s.succeeded, failed: s.failed, loginsPerSecond: round(s.loginsPerSecond), p99Ms: round(s.latency.p99, 1), failuresByReason: s.failuresByReason, foreignCpu: foreign === null ? null : round(foreign, 3) });
      log(`  load runner: ${s.attempted} logins, ${Math.round(s.loginsPerSecond)} logins/s, ${s.failed} failed`);
    }
    const after = labRss(child.pid);
    rss = { idle: idle.mib, afterLogins: after.mib, logins: done, processes: after.processes };
    cpu = cpuPerLogin(measured, measuredLogins);
  } catch (e) {
    problems.push(`load runner: ${(e as Error).message}`);
    log(`  PROBLEM: ${problems.at(-1)}`);
  }
  const end = await stopChild(child);
  if (end.code !== 0) problems.push(`session-lab web ended with code ${end.code}${end.signal ? ` signal ${end.signal}` : ''}`);
  const failed = runs.reduce((a, r) => a + r.failed, 0);
  if (!runs.length) problems.push('load runner: no run completed');
  return {
    what: `session-lab web --sticky; POST /api/perform {"action":"load","logins":${perRun},"concurrency":${concurrency}} (two-step chain logins through the balancer) until ${total} logins`,
    concurrency,
    runs,
    loginsPerSecond: runs.length ? round(median(runs.map((r) => r.loginsPerSecond))) : 0,
    failed,
    rssMiB: rss,
    cpu,
    exitCode: end.code,
    problems,
  };
}

function firstLine(child: Child, timeoutMs = 20_000): Promise<string> {
  if (child.lines[0]) return Promise.resolve(child.lines[0]);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no first line in ${timeoutMs / 1000} s: ${child.stderr.slice(-3).join(' | ')}`)), timeoutMs);
    child.onLine.add((l) => {
      clearTimeout(timer);
      resolve(l);
    });
  });
}

/** VmRSS of a process and all its descendants, from /proc. */
function labRss(pid: number): { mib: number; processes: number } {
  const pids = processTree(pid);
  let kib = 0;
  for (const p of pids) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return { mib: round(kib / 1024, 1), processes: pids.length };
}

/** CPU ticks (utime + stime, USER_HZ = 100 on Linux) of every thread of the lab: `pid/tid` → ticks. */
function labThreads(host: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of processTree(host)) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone meanwhile
    }
    for (const tid of tids) {
      try {
        const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
        out.set(`${pid}/${tid}`, Number(f[11]) + Number(f[12]));
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return out;
}

const HOST_MAIN = 'web host main thread (API, CTS, trace)';
const WORKER = 'balancer + virtual users (worker thread)';
const HOST_OTHER = 'web host other threads (GC, libuv)';
const NODE_MAIN = 'AM node processes, main threads';
const NODE_OTHER = 'AM node processes, other threads (GC, libuv)';

/**
 * Adds one run's CPU, by part, to `into` (in ms). Threads have no names here (Node leaves them all
 * `node`), so the worker thread is the web host's busiest thread other than its main one: during a
 * load run it carries the balancer and the virtual browsers, far above the GC and libuv helpers.
 */
function addParts(into: Map<string, number>, before: Map<string, number>, after: Map<string, number>, host: number): void {
  const used = [...after].map(([k, v]) => [k, (v - (before.get(k) ?? 0)) * 10] as const).filter(([, ms]) => ms > 0);
  const hostThreads = used.filter(([k]) => k.startsWith(`${host}/`) && k !== `${host}/${host}`).sort((a, b) => b[1] - a[1]);
  const worker = hostThreads[0]?.[0];
  for (const [k, ms] of used) {
    const [pid, tid] = k.split('/');
    const part = Number(pid) === host ? (tid === pid ? HOST_MAIN : k === worker ? WORKER : HOST_OTHER) : tid === pid ? NODE_MAIN : NODE_OTHER;
    into.set(part, (into.get(part) ?? 0) + ms);
  }
}

function cpuPerLogin(ms: Map<string, number>, logins: number): LoadRunnerResult['cpu'] {
  if (!logins) return null;
  const parts = [WORKER, NODE_MAIN, NODE_OTHER, HOST_MAIN, HOST_OTHER].map((part) => ({ part, msPerLogin: round((ms.get(part) ?? 0) / logins, 3) }));
  const total = parts.reduce((a, p) => a + p.msPerLogin, 0);
  const cores = cpus().length;
  return { parts, totalMsPerLogin: round(total, 3), cores, ceiling: total ? Math.round((cores * 1000) / total) : 0 };
}
