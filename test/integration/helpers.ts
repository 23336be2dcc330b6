import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { afterEach, expect } from 'vitest';
import type { LabBridge } from '../../main/bridge';
import { Lab, type LabOptions } from '../../main/lab/lab';
import type { LabEvent, LabEventOf, TraceExchange } from '../../main/lab/trace/types';
import { splitRecipeSettings } from '../../main/lab/scenario/prepare';
import type { Recipe } from '../../main/lab/scenario/schema';

const labs: Lab[] = [];

/** Starts a lab for one test; every lab is stopped after the test, pass or fail. */
export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const lab = await Lab.start(opts);
  labs.push(lab);
  return lab;
}

afterEach(async () => {
  await Promise.all(labs.splice(0).map((l) => l.stop()));
});

/**
 * Used labs for running recipes in turn: one per set of settings fixed at start (the CTS
 * directory, its replicas and affinity, the balancer), reused by every recipe that names the same.
 */
export function recipeLabs(base: LabOptions = {}): (recipe: Recipe, variant?: string) => Promise<Lab> {
  const byStart = new Map<string, Promise<Lab>>();
  return (recipe, variant) => {
    const { start } = splitRecipeSettings({ ...recipe.cluster, ...(variant ? recipe.variants[variant] : {}) });
    const key = JSON.stringify(Object.entries(start).sort());
    let lab = byStart.get(key);
    if (!lab) byStart.set(key, (lab = startLab({ ...base, ...start })));
    return lab;
  };
}

export const DEMO = ['demo', 'Ch4ng31t'] as const;

/**
 * The trace as it stands once it caught up: node processes and the balancer's thread send what
 * they recorded in batches (isolation 'process'), so the lab settles before the trace is read.
 */
export async function events(lab: Lab): Promise<LabEvent[]>;
export async function events<T extends LabEvent['type']>(lab: Lab, type: T): Promise<LabEventOf<T>[]>;
export async function events(lab: Lab, type?: LabEvent['type']): Promise<LabEvent[]> {
  await lab.settle();
  return lab.recorder.events().filter((e) => !type || e.type === type);
}

export async function exchanges(lab: Lab): Promise<TraceExchange[]> {
  await lab.settle();
  return lab.recorder.exchanges();
}

/** A raw HTTP call to the balancer (no jar): what curl would do. */
export async function call(lab: Lab, method: 'GET' | 'POST' | 'OPTIONS', path: string, opts: { headers?: Record<string, string>; body?: string } = {}) {
  const res = await request(`${lab.balancerUrl}/${path}`, { method, headers: opts.headers, body: opts.body });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

export const V2 = { 'accept-api-version': 'resource=2.0, protocol=1.0', 'content-type': 'application/json' };

export function setCookies(h: Record<string, string | string[] | undefined>): string[] {
  const v = h['set-cookie'];
  return Array.isArray(v) ? v : v ? [v] : [];
}

const children: ChildProcess[] = [];
afterEach(() => children.splice(0).forEach((c) => c.kill('SIGKILL')));

/** Runs `session-lab …` as a user would; killed after the test if still running. */
export function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, ['bin/session-lab.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const firstLine = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  firstLine.catch(() => undefined); // a run that exits early is judged by its exit code
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, firstLine, exit, stderr: () => stderr };
}

/** A README code block marked `<!-- readme-test: NAME -->`, to run exactly as printed. */
export async function readmeBlock(marker: string): Promise<string> {
  const readme = await readFile('README.md', 'utf8');
  const at = readme.indexOf(`<!-- readme-test: ${marker} -->`);
  expect(at, `README marker ${marker}`).toBeGreaterThan(-1);
  const m = /```bash\n([\s\S]*?)```/.exec(readme.slice(at));
  return m![1]!;
}

/** Calls a bridge command as a host does and unwraps its answer; a refused command fails the test with its error. */
export function bridgeCaller(bridge: () => LabBridge) {
  return async <T>(name: string, input: unknown = {}): Promise<T> => {
    const o = await bridge().call(name, input);
    if (!o.ok) throw new Error(`${name}: ${o.error.kind}: ${o.error.message}`);
    return o.value as T;
  };
}
