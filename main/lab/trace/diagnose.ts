import type { Finding } from '../../contract/diagnosis';
import { isEvent } from '../../contract/trace';
import { balancerCookieFindings } from './balancerCookies';
import { diagnoseLogins } from './diagnoseLogin';
import { diagnoseSessions } from './diagnoseSession';
import { arrow, clockTime, context, finding, requestLabel, responseLabel, routedText, uniq, type DiagnosisContext } from './evidence';
import { endpoint } from './traffic';
import type { TraceExchange, TraceItem } from './types';

export type { Finding, FindingKind, Severity } from '../../contract/diagnosis';

/**
 * The diagnosis: for every 401, failed step, terminated session and node loss, a structured reason
 * built only from what was recorded (exchanges and events) — never from the lab's configuration —
 * so it runs the same on a live trace, on the lab's own HAR and on a customer's browser HAR.
 * The UI and the CLI turn a Finding into one sentence plus its chain of evidence (see `explain`).
 */

/** Evidence chain and fix as one line: "a; b; c → 401 …. Fix: …." */
export function explain(f: Finding): string {
  const chain = f.evidence.join('; ');
  return f.fix ? `${chain}. Fix: ${f.fix.replace(/\.$/, '')}.` : `${chain}.`;
}

export function diagnose(items: readonly TraceItem[]): Finding[] {
  const ctx = context(items);
  const findings = [...diagnoseLogins(ctx), ...diagnoseSessions(ctx), ...clusterFindings(ctx), ...balancerCookieFindings(ctx)];
  findings.push(...uncoveredUnauthorized(ctx, findings));
  if (!ctx.cookiesRecorded && ctx.exchanges.some((e) => endpoint(e) !== 'other')) findings.unshift(cookiesAbsent(ctx));
  return findings.sort((a, b) => a.at - b.at);
}

/** Node loss and balancer errors: facts from node-down/up events and 5xx answers of the balancer. */
function clusterFindings(ctx: DiagnosisContext): Finding[] {
  const out: Finding[] = [];
  const downs = ctx.events.filter(isEvent('node-down')).filter((e) => e.node);
  const seen = new Set<string>();
  for (const down of downs) {
    // The operator's kill and the balancer noticing it are one outage: report it once.
    const up = ctx.events.find((e) => e.type === 'node-up' && e.node === down.node && e.seq > down.seq);
    const key = `${down.node}:${up?.seq ?? 'end'}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const same = downs.filter((d) => d.node === down.node && d.seq >= down.seq && (!up || d.seq < up.seq));
    const byOperator = same.some((d) => d.data.by === 'operator');
    const within = (ex: TraceExchange) => ex.labStart >= down.labTime && (!up || ex.labStart <= up.labTime);
    const redispatched = ctx.exchanges.filter((ex) => within(ex) && ex.routing.attempts.some((a) => a.node === down.node && !/^\d+$/.test(a.outcome)));
    const movedSticky = ctx.exchanges.filter((ex) => within(ex) && ex.routing.redispatched && ex.routing.redispatchedFrom === down.node);
    const lost = ctx.events.filter(isEvent('auth-session-missed')).filter((e) => e.data.createdOn === down.node && e.seq > down.seq && (!up || e.seq < up.seq));
    const failed = ctx.exchanges.filter((ex) => within(ex) && ex.response.status >= 502 && ex.response.status <= 504);
    const evidence = [`node ${down.node} went down at ${clockTime(down.labTime)} (${byOperator ? 'killed by the operator' : "the balancer's health check failed"})`];
    const touched = uniq([...redispatched, ...movedSticky]);
    if (touched.length) evidence.push(`${touched.length} request${touched.length === 1 ? ' was' : 's were'} redispatched to other nodes`);
    if (lost.length) evidence.push(`${lost.length} login${lost.length === 1 ? '' : 's'} lost the auth session kept in node ${down.node}'s memory → 401 Session has timed out`);
    if (failed.length) evidence.push(`${failed.length} request${failed.length === 1 ? '' : 's'} got ${[...new Set(failed.map((f) => f.response.status))].join('/')} from the balancer`);
    evidence.push(up ? `node ${down.node} came back at ${clockTime(up.labTime)}` : `node ${down.node} stayed down until the end of the trace`);
    const summary = lost.length ? `its in-memory auth sessions were lost` : touched.length ? `sticky users were redispatched` : `no request was affected`;
    out.push(
      finding(
        {
          severity: 'warning',
          kind: 'node-down',
          sentence: `Node ${down.node} went down${byOperator ? ' (killed by the operator)' : ''}: ${summary}.`,
          evidence,
          fix: lost.length ? 'trees with CTS or client-side auth sessions survive a node loss; chains and in-memory auth sessions do not' : undefined,
          exchangeIds: uniq([...touched, ...failed]).map((e) => e.id),
          eventSeqs: [...same.map((d) => d.seq), ...lost.map((l) => l.seq), ...(up ? [up.seq] : [])],
          browser: null,
          at: down.labTime,
        },
        ctx,
      ),
    );
  }
  // Balancer errors, grouped by what the balancer said, so a load test gives a handful of findings.
  const groups = new Map<string, TraceExchange[]>();
  for (const ex of ctx.exchanges) {
    if (ex.response.status < 502 || ex.response.status > 504 || ex.routing.policy === 'unknown') continue;
    const key = `${ex.response.status}|${ex.routing.reason}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(ex);
  }
  for (const list of groups.values()) {
    const ex = list[0]!;
    const attempts = ex.routing.attempts.map((a) => `node ${a.node} → ${a.outcome}`).join(', ');
    out.push(
      finding(
        {
          severity: 'error',
          kind: 'balancer-error',
          sentence: `The balancer answered ${responseLabel(ex)}${list.length > 1 ? ` (${list.length} times)` : ''}.`,
          evidence: [`routing: ${ex.routing.reason || 'none'}`, ...(attempts ? [`attempts: ${attempts}`] : []), ...(ex.error ? [`error ${ex.error}`] : [])],
          exchangeIds: list.slice(0, 50).map((e) => e.id),
          failingExchangeId: ex.id,
          at: ex.labStart,
        },
        ctx,
      ),
    );
  }
  return out;
}

/** Every 401 gets a reason: those no specific rule explained get the facts we have. */
function uncoveredUnauthorized(ctx: DiagnosisContext, found: Finding[]): Finding[] {
  const cited = new Set(found.flatMap((f) => f.exchangeIds));
  return ctx.exchanges
    .filter((ex) => ex.response.status === 401 && !cited.has(ex.id))
    .map((ex) =>
      finding(
        {
          severity: 'warning',
          kind: 'unauthorized',
          sentence: `${requestLabel(ex)} got ${responseLabel(ex)}.`,
          evidence: arrow([routedText(ex), ...ctx.eventsOf(ex.id).map((e) => e.message)], responseLabel(ex)),
          exchangeIds: [ex.id],
          failingExchangeId: ex.id,
        },
        ctx,
      ),
    );
}

function cookiesAbsent(ctx: DiagnosisContext): Finding {
  return finding(
    {
      severity: 'info',
      kind: 'cookies-absent',
      sentence: 'Cookies absent from this trace (sanitized export?): amlbcookie and session-cookie evidence cannot be checked.',
      evidence: [`none of the ${ctx.exchanges.length} requests carries a Cookie header and no response sets a cookie`],
      fix: 'ask for a HAR exported "with sensitive data", then redact it with `session-lab har redact`',
      exchangeIds: [],
      browser: null,
      at: ctx.exchanges[0]?.labStart ?? 0,
    },
    ctx,
  );
}
