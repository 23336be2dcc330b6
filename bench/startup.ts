import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { Lab } from '../main/lab/lab';
import { DEMO_USER } from '../main/lab/config';
import { cpuSnapshot, foreignShare, waitForQuiet } from './cpu';
import { firstJson, livePids, ROOT, startChild, stopChild } from './procs';
import { median, round } from './stats';

export interface StartupSeries {
  name: string;
  what: string;
  ms: number[];
  median: number;
  min: number;
  max: number;
  /** The first run of a series in a fresh process pays for cold code paths (JIT, first sockets). */
  first: number;
  /** Median share of the CPU other processes took during the runs (CLI rows; null if unknown). */
  foreignCpu?: number | null;
  problems: string[];
}

function series(name: string, what: string, ms: number[], problems: string[], foreign?: (number | null)[]): StartupSeries {
  const r = ms.map((v) => round(v, 1));
  const f = (foreign ?? []).filter((v): v is number => v !== null);
  return {
    name,
    what,
    ms: r,
    median: round(median(ms), 1),
    min: Math.min(...r),
    max: Math.max(...r),
    first: r[0]!,
    ...(foreign ? { foreignCpu: f.length ? round(median(f), 3) : null } : {}),
    problems,
  };
}

/** A spawned process's start-up is as sensitive to other sessions' load as a proxy is. */
const QUIET_SHARE = 0.1;
const QUIET_WAIT_MS = 1_500;

/**
 * In this process: Lab.start({nodes: 3}) (nodes, CTS, balancer, trace) until the first login
 * through the balancer succeeds, then stop. Isolation `in-process` (everything on this thread):
 * zero-page and two-step callback logins alternate. Isolation `process` (as the hosts run it: three
 * node processes and the balancer's thread started): zero-page logins.
 */
export async function inProcessStartup(runs: number): Promise<StartupSeries[]> {
  // Lab.start loads some of its code on first use (the in-thread balancer and AM node, the browsers'
  // client). These rows time a lab's start in a process that has its code, as before that change;
  // loading code is part of a process's start, which the CLI rows (spawn → first login) time.
  await Promise.all([import('../main/lab/traffic/localBalancer'), import('../main/lab/am/node'), import('../main/lab/client/browser'), import('../main/lab/client/network')]);
  const kinds = [
    { name: 'in-process, zero-page login', isolation: 'in-process', callbacks: false, what: 'Lab.start({nodes:3, isolation:"in-process"}) → first zero-page login (X-OpenAM-Username/Password) succeeds through the balancer' },
    { name: 'in-process, callback login', isolation: 'in-process', callbacks: true, what: 'Lab.start({nodes:3, isolation:"in-process"}) → two-step callback login (NameCallback/PasswordCallback) succeeds through the balancer' },
    { name: 'process isolation, zero-page login', isolation: 'process', callbacks: false, what: 'Lab.start({nodes:3, isolation:"process"}): 3 node processes + the balancer thread → first zero-page login succeeds' },
  ] as const;
  const ms: number[][] = kinds.map(() => []);
  const problems: string[][] = kinds.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [k, kind] of kinds.entries()) {
      const t0 = performance.now();
      // Sticky, so the two steps of a callback login meet the node holding the auth session.
      const lab = await Lab.start({ nodes: 3, policy: 'sticky', isolation: kind.isolation });
      try {
        const browser = lab.createBrowser('bench');
        const ok = kind.callbacks
          ? (await browser.login(DEMO_USER.username, DEMO_USER.password)).outcome.kind === 'success'
          : (await browser.zeroPageLogin(DEMO_USER.username, DEMO_USER.password)).kind === 'success';
        ms[k]!.push(performance.now() - t0);
        if (!ok) problems[k]!.push(`run ${i + 1}: login did not succeed`);
      } finally {
        await lab.stop();
      }
    }
  }
  return kinds.map((kind, k) => series(kind.name, kind.what, ms[k]!, problems[k]!));
}

export interface CliStartup {
  present: boolean;
  /** `serve` as a user starts it (isolation process: node processes, the balancer's thread). */
  ready?: StartupSeries;
  login?: StartupSeries;
  /** `serve --isolation in-process`: the whole lab on the CLI's thread. */
  inProcessLogin?: StartupSeries;
  /** Node alone, a fixed cost inside the CLI rows. */
  bareNode?: StartupSeries;
  exitCodes: (number | null)[];
}

const CLI = join(ROOT, 'bin', 'session-lab.js');

/** Zero-page login with a plain HTTP client (undici), as curl or a script would do it. */
async function zeroPage(balancer: string, agent: Agent): Promise<boolean> {
  const r = await request(`${balancer}/json/realms/root/authenticate`, {
    method: 'POST',
    dispatcher: agent,
    headers: {
      'content-type': 'application/json',
      'accept-api-version': 'resource=2.1, protocol=1.0',
      'x-openam-username': DEMO_USER.username,
      'x-openam-password': DEMO_USER.password,
    },
  });
  const body = (await r.body.json()) as { tokenId?: unknown };
  const cookies = [r.headers['set-cookie'] ?? []].flat().join('\n');
  return r.statusCode === 200 && typeof body.tokenId === 'string' && cookies.includes('iPlanetDirectoryPro=');
}

/**
 * The CLI path: spawn `node bin/session-lab.js serve --nodes 3 --port 0` (the prebuilt bundle,
 * which `npm run bench` builds first), read its first stdout JSON line, log in with undici, SIGTERM
 * it and expect exit 0; then the same with `--isolation in-process`. Bare Node's start is measured
 * in the same loop to show that share.
 */
export async function cliStartup(runs: number): Promise<CliStartup> {
  if (!existsSync(join(ROOT, 'main', 'cli.ts'))) return { present: false, exitCodes: [] };
  const ready: number[] = [];
  const login: number[] = [];
  const inProcess: number[] = [];
  const bare: number[] = [];
  const foreign: (number | null)[] = [];
  const problems: string[] = [];
  const exitCodes: (number | null)[] = [];
  for (let i = 0; i < runs; i++) {
    for (const isolation of ['process', 'in-process'] as const) {
      await waitForQuiet(QUIET_SHARE, QUIET_WAIT_MS);
      const c0 = cpuSnapshot(livePids());
      const t0 = performance.now();
      const child = startChild('session-lab serve', process.execPath, [CLI, 'serve', '--nodes', '3', '--port', '0', '--isolation', isolation]);
      const agent = new Agent();
      try {
        const info = await firstJson<{ balancer: string; nodes: { pid: number | null }[] }>(child, 15_000);
        if (isolation === 'process') ready.push(performance.now() - t0);
        const ok = await zeroPage(info.balancer, agent);
        (isolation === 'process' ? login : inProcess).push(performance.now() - t0);
        // The child is still alive here, so its own CPU counts as ours.
        if (isolation === 'process') foreign.push(foreignShare(c0, cpuSnapshot(livePids())));
        if (!ok) problems.push(`run ${i + 1} (${isolation}): login did not succeed`);
        if (info.nodes.length !== 3) problems.push(`run ${i + 1} (${isolation}): ${info.nodes.length} nodes, expected 3`);
        if (isolation === 'process' && info.nodes.some((n) => !n.pid)) problems.push(`run ${i + 1}: serve's first line gave no pid for some node`);
      } finally {
        await agent.close();
        const end = await stopChild(child);
        exitCodes.push(end.code);
        if (end.code !== 0 || end.killed) problems.push(`run ${i + 1} (${isolation}): serve ended with code ${end.code}${end.signal ? ` signal ${end.signal}` : ''}${end.killed ? ' (had to SIGKILL)' : ''}`);
      }
    }
    bare.push(await timeToFirstLine('node', "console.log('{}');"));
  }
  return {
    present: true,
    ready: series('CLI serve, ready', 'spawn → first stdout JSON line (balancer, nodes with their pids)', ready, []),
    login: series('CLI serve, first login', 'spawn `serve` (isolation process) → zero-page login through the balancer succeeds (undici); includes Node start-up', login, problems, foreign),
    inProcessLogin: series('CLI serve --isolation in-process, first login', 'spawn `serve --isolation in-process` → zero-page login succeeds', inProcess, []),
    bareNode: series('node alone', 'spawn → first line of a script that only prints it (a fixed cost inside the CLI rows)', bare, []),
    exitCodes,
  };
}

async function timeToFirstLine(name: string, script: string): Promise<number> {
  const t0 = performance.now();
  const child = startChild(name, process.execPath, ['--input-type=module', '-e', script]);
  try {
    await firstJson(child, 10_000);
    return performance.now() - t0;
  } finally {
    await stopChild(child);
  }
}
