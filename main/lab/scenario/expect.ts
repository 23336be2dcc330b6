import type { Observation } from './observe';
import type { Expectation } from './schema';
import type { ExpectationResult } from '../../contract/recipes';

export type { ExpectationResult };

const WORDS: Record<keyof Expectation, string> = {
  status: 'HTTP status',
  message: 'AM message',
  error: 'OAuth2 error',
  tokens: 'OAuth2 tokens handed over',
  outcome: 'login outcome',
  valid: 'session valid (REST validate)',
  node: 'node that served',
  sameNode: 'every request on one node',
  redispatched: 'redispatched by the balancer',
  routing: 'routing decision',
  cookies: 'cookie',
  events: 'events',
  terminated: 'session terminated',
  body: 'response body',
  activeSessions: "recipe users' active CTS sessions",
  nodeState: 'node state',
  attempted: 'logins attempted',
  succeeded: 'logins succeeded',
  failed: 'logins failed',
  failureRate: 'failure rate',
  failuresByReason: 'failures with reason',
  sameNodeFailures: 'failures with every step on one node',
};

interface StepRef {
  index: number;
  line: number;
  label: string;
}

/** Checks each expectation of a step against what was observed. Never looks at anything else. */
export function evaluate(exp: Expectation, o: Observation, step: StepRef): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  const add = (what: string, passed: boolean, expected: string, observed: string) => {
    const description = `step ${step.index + 1} (line ${step.line}) ${step.label}: ${what}`;
    const message = passed ? `${description} is ${expected}` : `${description}: expected ${expected}, observed ${observed}`;
    out.push({ step: step.index, line: step.line, description, passed, expected, observed, message });
  };
  const value = (key: keyof Expectation, m: unknown, actual: unknown, observedText?: string) =>
    add(WORDS[key], matches(m, actual), describe(m), observedText ?? show(actual));

  for (const key of Object.keys(exp) as (keyof Expectation)[]) {
    const m = exp[key];
    if (m === undefined) continue;
    const load = o.load;
    switch (key) {
      case 'status':
        value(key, m, o.status, o.status === null ? 'no request' : `${o.status}${o.message ? ` "${o.message}"` : ''} from node ${o.node ?? '-'}`);
        break;
      case 'message':
        value(key, m, o.message, o.message === null ? `no AM message (HTTP ${o.status ?? '-'})` : `"${o.message}"`);
        break;
      case 'error':
        value(key, m, o.oauth2Error, o.oauth2Error === null ? `no OAuth2 error (HTTP ${o.status ?? '-'})` : `${o.oauth2Error}${o.message ? ` "${o.message}"` : ''}`);
        break;
      case 'tokens': {
        const want = [...exp.tokens!].sort();
        const seen = [...o.tokens].sort();
        add(WORDS[key], want.join() === seen.join(), want.join(', ') || 'none', seen.join(', ') || `none (HTTP ${o.status ?? '-'}${o.oauth2Error ? ` ${o.oauth2Error}` : ''})`);
        break;
      }
      case 'outcome':
        value(key, m, o.outcome, `${o.outcome ?? 'no login request'}${o.status !== null ? ` (HTTP ${o.status}${o.message ? ` "${o.message}"` : ''})` : ''}`);
        break;
      case 'valid':
        value(key, m, o.valid, o.valid === null ? `no validate answer (HTTP ${o.status ?? '-'}${o.message ? ` "${o.message}"` : ''})` : String(o.valid));
        break;
      case 'node':
        value(key, m, o.node, o.node ? `${o.node} (${o.routing})` : 'no request');
        break;
      case 'sameNode': {
        const same = o.nodes.length > 0 && new Set(o.nodes).size === 1;
        add(WORDS[key], same === m, String(m), `${same} (nodes ${o.nodes.join(' → ') || 'none'})`);
        break;
      }
      case 'redispatched':
        add(WORDS[key], o.redispatched === m, String(m), `${o.redispatched}${o.routing ? ` (${o.routing})` : ''}`);
        break;
      case 'routing':
        value(key, typeof m === 'string' ? { contains: m } : m, o.routing);
        break;
      case 'cookies':
        for (const [name, fate] of Object.entries(exp.cookies!)) {
          const seen = o.cookies[name] ?? 'absent';
          add(`${name} cookie`, seen === fate, fate, seen);
        }
        break;
      case 'events':
        for (const [type, n] of Object.entries(exp.events!)) add(`${type} events`, matches(n, o.events[type] ?? 0), describe(n), String(o.events[type] ?? 0));
        break;
      case 'terminated': {
        const seen = o.terminated.length ? o.terminated.join(', ') : 'none';
        add(WORDS[key], m === 'none' ? o.terminated.length === 0 : o.terminated.includes(m as string), String(m), seen);
        break;
      }
      case 'body': {
        const actual = o.body;
        add(WORDS[key], subset(m, actual), JSON.stringify(m), actual === undefined ? 'no body' : JSON.stringify(actual));
        break;
      }
      case 'activeSessions':
        value(key, m, o.activeSessions ?? null);
        break;
      case 'nodeState':
        for (const [node, state] of Object.entries(exp.nodeState!)) add(`state of node ${node}`, o.nodeState?.[node] === state, state, o.nodeState?.[node] ?? 'no such node');
        break;
      case 'attempted':
      case 'succeeded':
      case 'failed':
        value(key, m, load?.[key] ?? null);
        break;
      case 'failureRate':
        value(key, m, load?.failureRate ?? null, load ? `${load.failureRate.toFixed(3)} (${load.failed} of ${load.attempted})` : 'no load');
        break;
      case 'failuresByReason':
        for (const [reason, n] of Object.entries(exp.failuresByReason!)) {
          const seen = load?.failuresByReason[reason] ?? 0;
          add(`${WORDS[key]} "${reason}"`, matches(n, seen), describe(n), `${seen}${load ? ` (reasons seen: ${JSON.stringify(load.failuresByReason)})` : ''}`);
        }
        break;
      case 'sameNodeFailures':
        value(key, m, load?.routing.sameNodeFailures ?? null);
        break;
    }
  }
  return out;
}

type MatchObject = { min?: number; max?: number; not?: unknown; oneOf?: unknown[]; contains?: string };

function isMatchObject(m: unknown): m is MatchObject {
  return !!m && typeof m === 'object' && !Array.isArray(m);
}

export function matches(m: unknown, actual: unknown): boolean {
  if (!isMatchObject(m)) return actual === m;
  if (m.min !== undefined && !(typeof actual === 'number' && actual >= m.min)) return false;
  if (m.max !== undefined && !(typeof actual === 'number' && actual <= m.max)) return false;
  if (m.not !== undefined && actual === m.not) return false;
  if (m.oneOf !== undefined && !m.oneOf.includes(actual)) return false;
  if (m.contains !== undefined && !(typeof actual === 'string' && actual.includes(m.contains))) return false;
  return true;
}

export function describe(m: unknown): string {
  if (!isMatchObject(m)) return show(m);
  const parts: string[] = [];
  if (m.min !== undefined && m.max !== undefined) parts.push(`between ${m.min} and ${m.max}`);
  else if (m.min !== undefined) parts.push(`at least ${m.min}`);
  else if (m.max !== undefined) parts.push(`at most ${m.max}`);
  if (m.not !== undefined) parts.push(`not ${show(m.not)}`);
  if (m.oneOf !== undefined) parts.push(`one of ${m.oneOf.map(show).join(', ')}`);
  if (m.contains !== undefined) parts.push(`containing "${m.contains}"`);
  return parts.join(' and ');
}

function show(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Every key in `want` is in `actual` with an equal value (recursively); extra keys are fine. */
function subset(want: unknown, actual: unknown): boolean {
  if (want === null || typeof want !== 'object') return want === actual;
  if (!actual || typeof actual !== 'object') return false;
  if (Array.isArray(want)) return Array.isArray(actual) && want.length === actual.length && want.every((w, i) => subset(w, actual[i]));
  return Object.entries(want).every(([k, w]) => subset(w, (actual as Record<string, unknown>)[k]));
}
