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
 * through the balancer succeeds, then stop. Zero-page and two-step callback logins alternate.
 */
export async function inProcessStartup(runs: number): Promise<StartupSeries[]> {
  const zero: number[] = [];
  const callbacks: number[] = [];
  const problems: { zero: string[]; callbacks: string[] } = { zero: [], callbacks: [] };
  for (let i = 0; i < runs * 2; i++) {
    const kind = i % 2 ? 'callbacks' : 'zero';
    const t0 = performance.now();
    // Sticky, so the two steps of a callback login meet the node holding the auth session.
    const lab = await Lab.start({ nodes: 3, policy: 'sticky' });
    try {
      const browser = lab.createBrowser('bench');
      const ok =
        kind === 'zero'
          ? (await browser.zeroPageLogin(DEMO_USER.username, DEMO_USER.password)).kind === 'success'
          : (await browser.login(DEMO_USER.username, DEMO_USER.password)).outcome.kind === 'success';
      const ms = performance.now() - t0;
      if (!ok) problems[kind].push(`run ${i + 1}: login did not succeed`);
      (kind === 'zero' ? zero : callbacks).push(ms);
    } finally {
      await lab.stop();
    }
  }
  return [
    series('in-process, zero-page login', 'Lab.start({nodes:3}) → first zero-page login (X-OpenAM-Username/Password) succeeds through the balancer', zero, problems.zero),
    series('in-process, callback login', 'Lab.start({nodes:3}) → two-step callback login (NameCallback/PasswordCallback) succeeds through the balancer', callbacks, problems.callbacks),
  ];
}

export interface CliStartup {
  present: boolean;
  ready?: StartupSeries;
  login?: StartupSeries;
  bareNode?: StartupSeries;
  engineImport?: StartupSeries;
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
 * The CLI path: spawn `node bin/session-lab.js serve --nodes 3 --port 0`, read its first stdout
 * JSON line, log in with undici, SIGTERM it and expect exit 0. The time includes starting Node and
 * tsx's loader; a bare Node + tsx start is measured alongside to show that share.
 */
export async function cliStartup(runs: number): Promise<CliStartup> {
  if (!existsSync(join(ROOT, 'main', 'cli.ts'))) return { present: false, exitCodes: [] };
  const ready: number[] = [];
  const login: number[] = [];
  const bare: number[] = [];
  const engine: number[] = [];
  const foreign: (number | null)[] = [];
  const problems: string[] = [];
  const exitCodes: (number | null)[] = [];
  for (let i = 0; i < runs; i++) {
    await waitForQuiet(QUIET_SHARE, QUIET_WAIT_MS);
    const c0 = cpuSnapshot(livePids());
    const t0 = performance.now();
    const child = startChild('session-lab serve', process.execPath, [CLI, 'serve', '--nodes', '3', '--port', '0']);
    const agent = new Agent();
    try {
      const info = await firstJson<{ balancer: string; nodes: unknown[] }>(child, 15_000);
      ready.push(performance.now() - t0);
      const ok = await zeroPage(info.balancer, agent);
      login.push(performance.now() - t0);
      // The child is still alive here, so its own CPU counts as ours.
      foreign.push(foreignShare(c0, cpuSnapshot(livePids())));
      if (!ok) problems.push(`run ${i + 1}: login did not succeed`);
      if (info.nodes.length !== 3) problems.push(`run ${i + 1}: ${info.nodes.length} nodes, expected 3`);
    } finally {
      await agent.close();
      const end = await stopChild(child);
      exitCodes.push(end.code);
      if (end.code !== 0 || end.killed) problems.push(`run ${i + 1}: serve ended with code ${end.code}${end.signal ? ` signal ${end.signal}` : ''}${end.killed ? ' (had to SIGKILL)' : ''}`);
    }
    // Baselines, to show where the CLI's time goes: Node plus the tsx loader registered the way
    // bin/session-lab.js does it, then the same plus importing the engine (main/lab/lab.ts).
    bare.push(await timeToFirstLine('node+tsx', "const { register } = await import('tsx/esm/api'); register(); console.log('{}');"));
    engine.push(await timeToFirstLine('node+tsx+engine', "const { register } = await import('tsx/esm/api'); register(); await import('./main/lab/lab.ts'); console.log('{}');"));
  }
  return {
    present: true,
    ready: series('CLI serve, ready', 'spawn → first stdout JSON line (balancer, nodes)', ready, []),
    login: series('CLI serve, first login', 'spawn → zero-page login through the balancer succeeds (undici); includes Node + tsx start-up', login, problems, foreign),
    bareNode: series('node + tsx loader alone', 'spawn → first line of a script that only registers tsx (a fixed cost inside the CLI rows)', bare, []),
    engineImport: series('node + tsx + engine import', 'spawn → first line after registering tsx and importing main/lab/lab.ts (no Lab started)', engine, []),
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
