import { readFileSync } from 'node:fs';
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

export interface LoadRunnerResult {
  what: string;
  concurrency: number;
  runs: LoadRun[];
  /** The median run's logins/s; failures over all runs. */
  loginsPerSecond: number;
  failed: number;
  /** Resident memory of the whole lab: the web host and every process it started (its AM nodes). */
  rssMiB: { idle: number; afterLogins: number; logins: number; processes: number };
  exitCode: number | null;
  problems: string[];
}

/**
 * The window's load runner as a user drives it: `session-lab web --sticky` (the lab as the app
 * runs it: AM nodes as processes, the balancer and load runner on their own thread), then
 * `POST /api/perform {"action":"load"}` with the per-launch token, run after run until `total`
 * two-step chain logins are done. Resident memory of the host and its node processes is read at
 * idle and at the end.
 */
export async function loadRunnerRuns(total: number, perRun: number, concurrency: number, log: (l: string) => void): Promise<LoadRunnerResult> {
  const child = startChild('session-lab web', process.execPath, [join(ROOT, 'bin', 'session-lab.js'), 'web', '--port', '0', '--sticky']);
  const problems: string[] = [];
  const runs: LoadRun[] = [];
  let rss = { idle: 0, afterLogins: 0, logins: 0, processes: 0 };
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
    for (let left = total; left > 0; left -= perRun) {
      const n = Math.min(perRun, left);
      const c0 = cpuSnapshot(livePids());
      const s = await perform({ action: 'load', logins: n, concurrency });
      const foreign = foreignShare(c0, cpuSnapshot(livePids()));
      done += s.attempted;
      runs.push({ logins: s.attempted, succeeded: s.succeeded, failed: s.failed, loginsPerSecond: round(s.loginsPerSecond), p99Ms: round(s.latency.p99, 1), failuresByReason: s.failuresByReason, foreignCpu: foreign === null ? null : round(foreign, 3) });
      log(`  load runner: ${s.attempted} logins, ${Math.round(s.loginsPerSecond)} logins/s, ${s.failed} failed`);
    }
    const after = labRss(child.pid);
    rss = { idle: idle.mib, afterLogins: after.mib, logins: done, processes: after.processes };
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
