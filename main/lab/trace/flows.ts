import type { FlowSummary } from '../../contract/diagnosis';
import { headerValue } from './http';
import { endpoint, requestAuthId, responseAuthId } from './traffic';
import type { TraceExchange, TraceItem } from './types';

/**
 * Flows a support engineer selects in the UI: one login (its authenticate steps, chained by the
 * authId each step hands to the next) or one virtual browser's whole life. Pure and browser-safe.
 */
export interface LoginFlow {
  /** `login:<exchange id of the first step seen>` */
  id: string;
  browser: string | null;
  /** Authenticate exchanges in order; steps[0] is step 1 unless `firstStepMissing`. */
  steps: TraceExchange[];
  /** The step that issued the first authId we saw is not in the trace (truncated or filtered). */
  firstStepMissing: boolean;
  zeroPage: boolean;
  outcome: 'success' | 'failure' | 'in-progress';
}

export function exchangesOf(items: readonly TraceItem[]): TraceExchange[] {
  return items.filter((i): i is TraceExchange => i.kind === 'exchange').sort(byStart);
}

/** Time order: when the request started (real time, then lab time), then record order. */
export function byStart(a: TraceExchange, b: TraceExchange): number {
  return a.realStart - b.realStart || a.labStart - b.labStart || a.seq - b.seq;
}

export function loginFlows(exchanges: readonly TraceExchange[]): LoginFlow[] {
  const flows: LoginFlow[] = [];
  // authId handed out by a response → the flow waiting for it. authIds are single-use per step.
  const waiting = new Map<string, LoginFlow>();
  for (const ex of [...exchanges].sort(byStart)) {
    if (endpoint(ex) !== 'authenticate') continue;
    const sent = requestAuthId(ex);
    let flow = sent ? waiting.get(sent) : undefined;
    if (flow) {
      waiting.delete(sent!);
      flow.steps.push(ex);
    } else {
      flow = {
        id: `login:${ex.id}`,
        browser: ex.browser,
        steps: [ex],
        firstStepMissing: sent !== undefined,
        zeroPage: headerValue(ex.request.headers, 'x-openam-username') !== undefined,
        outcome: 'in-progress',
      };
      flows.push(flow);
    }
    const next = responseAuthId(ex);
    if (next) {
      waiting.set(next, flow);
      flow.outcome = 'in-progress';
    } else flow.outcome = ex.response.status >= 200 && ex.response.status < 300 ? 'success' : 'failure';
  }
  return flows;
}

/** The 1-based step number of an exchange inside its flow. */
export function stepNumber(flow: LoginFlow, ex: TraceExchange): number {
  const i = flow.steps.indexOf(ex);
  return flow.firstStepMissing ? i + 2 : i + 1;
}

/** Every flow the UI can offer: each login, and each virtual browser's whole life. */
export function listFlows(items: readonly TraceItem[]): FlowSummary[] {
  const exchanges = exchangesOf(items);
  const out: FlowSummary[] = [];
  const browsers = new Map<string, TraceExchange[]>();
  for (const ex of exchanges) {
    const key = ex.browser ?? '';
    if (!browsers.has(key)) browsers.set(key, []);
    browsers.get(key)!.push(ex);
  }
  for (const [b, list] of browsers) {
    const outcome = list.some((e) => e.response.status >= 400) ? 'failed' : 'ok';
    out.push({ id: `browser:${b}`, kind: 'browser', title: b ? `Virtual browser ${b}` : 'Other clients', browser: b || null, exchangeIds: list.map((e) => e.id), at: list[0]!.labStart, outcome });
  }
  for (const f of loginFlows(exchanges)) {
    const n = f.steps.length;
    const what = f.zeroPage ? 'zero-page login' : `login, ${n} step${n === 1 ? '' : 's'}`;
    const outcome = f.outcome === 'success' ? 'ok' : f.outcome === 'failure' ? 'failed' : 'in-progress';
    out.push({ id: f.id, kind: 'login', title: `${f.browser ?? 'client'}: ${what} — ${f.outcome}`, browser: f.browser, exchangeIds: f.steps.map((e) => e.id), at: f.steps[0]!.labStart, outcome });
  }
  return out;
}
