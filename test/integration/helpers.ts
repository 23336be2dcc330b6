import { request } from 'undici';
import { afterEach } from 'vitest';
import { Lab, type LabOptions } from '../../main/lab/lab';
import type { LabEvent, TraceExchange } from '../../main/lab/trace/types';

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

export const DEMO = ['demo', 'Ch4ng31t'] as const;

export function events(lab: Lab, type?: LabEvent['type']): LabEvent[] {
  return lab.recorder.events().filter((e) => !type || e.type === type);
}

export function exchanges(lab: Lab): TraceExchange[] {
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
