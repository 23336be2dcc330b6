import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, stopChild } from './procs';

export interface LoadSpec {
  /** Path (with query) requested on every target. */
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** When set, every response body must equal it (the others are counted as mismatches). */
  expectBody?: string;
  connections: number;
  /** Seconds. */
  duration: number;
}

export interface LoadSample {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Mean latency, ms. */
  mean: number;
  non2xx: number;
  mismatches: number;
  /** Socket errors: connect, read and write. */
  errors: number;
  timeouts: number;
}

export const WRK = '/usr/bin/wrk';
/** wrk's own threads: one, so the load generator takes one core at most of the machine's two. */
const WRK_THREADS = 1;
const MARK = 'BENCH-WRK ';

/**
 * One wrk run against 127.0.0.1. wrk is C (epoll), so unlike a Node load generator in the bench
 * process it leaves the CPU to the proxies being measured. The request and the checks of every
 * answer (status, body) are a Lua script; wrk prints its counts and latency percentiles (µs) as
 * one JSON line at the end.
 */
export async function load(baseUrl: string, spec: LoadSpec): Promise<LoadSample> {
  if (!existsSync(WRK)) throw new Error(`${WRK} is missing: install the Debian package wrk (apt-get install wrk)`);
  const dir = await mkdtemp(join(tmpdir(), 'session-lab-wrk-'));
  try {
    const script = join(dir, 'request.lua');
    await writeFile(script, luaScript(spec));
    const args = ['-t', String(WRK_THREADS), '-c', String(spec.connections), '-d', `${spec.duration}s`, '--timeout', '10s', '-s', script, baseUrl + spec.path];
    const child = startChild('wrk', WRK, args);
    // wrk ends by itself after the run; one that does not is stopped by pid.
    const late = new Promise<'late'>((r) => setTimeout(() => r('late'), (spec.duration + 15) * 1000).unref());
    const end = (await Promise.race([child.exited, late])) === 'late' ? await stopChild(child) : await child.exited;
    const line = child.lines.find((l) => l.startsWith(MARK));
    if (end.code !== 0 || !line) throw new Error(`wrk ended with code ${end.code} and no summary: ${[...child.lines, ...child.stderr].slice(-5).join(' | ')}`);
    const r = JSON.parse(line.slice(MARK.length)) as { requests: number; durationUs: number; p50: number; p99: number; mean: number; non2xx: number; mismatches: number; connect: number; read: number; write: number; timeout: number };
    const ms = (us: number) => us / 1000;
    return {
      // Completed requests over the run's measured length.
      rps: r.durationUs > 0 ? r.requests / (r.durationUs / 1e6) : 0,
      p50: ms(r.p50),
      p99: ms(r.p99),
      mean: ms(r.mean),
      requests: r.requests,
      non2xx: r.non2xx,
      mismatches: r.mismatches,
      errors: r.connect + r.read + r.write,
      timeouts: r.timeout,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A Lua long string holding any text (JSON here) verbatim. */
function long(s: string): string {
  let eq = '=';
  while (s.includes(`]${eq}]`)) eq += '=';
  return `[${eq}[${s}]${eq}]`;
}

function luaScript(spec: LoadSpec): string {
  const headers = Object.entries(spec.headers).map(([k, v]) => `wrk.headers[ ${long(k)} ] = ${long(v)}`);
  return `-- Written by bench/load.ts for one run.
wrk.method = "${spec.method}"
${spec.body !== undefined ? `wrk.body = ${long(spec.body)}` : ''}
${headers.join('\n')}
local expect = ${spec.expectBody !== undefined ? long(spec.expectBody) : 'nil'}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0; mismatches = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
  if expect ~= nil and body ~= expect then mismatches = mismatches + 1 end
end
function done(summary, latency, requests)
  local n, m = 0, 0
  for _, t in ipairs(threads) do n = n + t:get("non2xx"); m = m + t:get("mismatches") end
  local e = summary.errors
  io.write(string.format('${MARK}{"requests":%d,"durationUs":%d,"p50":%.1f,"p99":%.1f,"mean":%.1f,"non2xx":%d,"mismatches":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean, n, m, e.connect, e.read, e.write, e.timeout))
end
`;
}
