import type { Finding } from '../../contract/diagnosis';
import { authSessionMissText, EXPIRED_MISSES } from '../../contract/events';
import { isEvent } from '../../contract/trace';
import { arrow, clockTime, type DiagnosisContext, duration, finding, responseLabel, routedText } from './evidence';
import { stepNumber, type LoginFlow } from './flows';
import { jsonObject, requestCookie } from './http';
import { authIdInfo } from './tokenInfo';
import { answeringNode, errorMessage, isTimedOut, requestAuthId, responseAuthId } from './traffic';
import type { LabEvent, LabEventOf, TraceExchange } from './types';

/**
 * Why a login step failed: the auth session was not on the node the step reached (the ticket's
 * 401), it had expired, the credentials were wrong, or AM rejected the step. Each reason is read
 * from the step's own exchange, the step before it and the events recorded during them.
 */
export function diagnoseLogins(ctx: DiagnosisContext): Finding[] {
  const out: Finding[] = [];
  for (const flow of ctx.flows) {
    flow.steps.forEach((ex, i) => {
      if (ex.response.status < 400 || ex.response.status >= 500) return;
      const f = failedStep(ctx, flow, i);
      if (f) out.push(f);
    });
    const moved = serverChanged(ctx, flow);
    if (moved) out.push(moved);
  }
  return out;
}

const ofType = <T extends LabEvent['type']>(events: LabEvent[], type: T) => events.find(isEvent(type));

function failedStep(ctx: DiagnosisContext, flow: LoginFlow, i: number): Finding | undefined {
  const ex = flow.steps[i]!;
  const evs = ctx.eventsOf(ex.id);
  const missed = ofType(evs, 'auth-session-missed');
  const expired = ofType(evs, 'auth-session-expired');
  const failed = ofType(evs, 'login-failed');
  const sent = authIdInfo(requestAuthId(ex));
  const jwtExpired = sent?.exp !== undefined && sent.exp <= ex.labStart;
  if (expired || (missed && EXPIRED_MISSES.has(missed.data.cause)) || (!missed && isTimedOut(ex) && jwtExpired)) {
    return authSessionExpired(ctx, flow, i, expired ?? missed);
  }
  if (missed || isTimedOut(ex)) return authSessionMissed(ctx, flow, i, missed);
  if (failed || (ex.response.status === 401 && /authentication failed|login failure|invalid password/i.test(errorMessage(ex) ?? ''))) {
    return wrongCredentials(ctx, flow, i, failed);
  }
  const n = stepNumber(flow, ex);
  return finding(
    {
      severity: 'warning',
      kind: 'step-rejected',
      sentence: `Step ${n} of the login was rejected: ${responseLabel(ex)}.`,
      evidence: arrow([routedText(ex), ...evs.map((e) => e.message)], responseLabel(ex)),
      exchangeIds: [ex.id],
      failingExchangeId: ex.id,
    },
    ctx,
  );
}

interface Origin {
  /** Node that started the auth session, and how we know. */
  node: string | null;
  storage: 'memory' | 'cts' | 'client' | undefined;
  /** Evidence line for it. */
  line: string;
  exchange?: TraceExchange;
  /** The CTS server the auth session was written to, when the CTS has several. */
  ctsServer?: string;
}

/** Where the login's auth session was created: the first step's event, else what its answer says. */
function origin(ctx: DiagnosisContext, flow: LoginFlow, ex: TraceExchange): Origin {
  const first = flow.steps[0]!;
  if (!flow.firstStepMissing && first !== ex) {
    const created = ofType(ctx.eventsOf(first.id), 'auth-session-created');
    const node = created?.node ?? answeringNode(first, ctx.lbCookie).node;
    const storage = created?.data.storage ?? authIdInfo(responseAuthId(first))?.storage;
    const ctsServer = created?.data.ctsServer ?? undefined;
    const via = ctsServer ? ` and written to the CTS at ${ctsServer}` : '';
    return { node, storage, line: `auth session created on node ${node ?? '(unknown)'} (step 1)${via}`, exchange: first, ctsServer };
  }
  const a = authIdInfo(requestAuthId(ex));
  return { node: a?.server ?? null, storage: a?.storage, line: `the authId names server ${a?.server ?? '(unknown)'} (the step that issued it is not in this trace)` };
}

function cookieLine(ctx: DiagnosisContext, ex: TraceExchange, n: number): string {
  if (!ctx.cookiesRecorded) return `step ${n}: cookies not recorded in this trace (sanitized export?)`;
  const v = ex.routing.policy !== 'unknown' ? ex.routing.cookie : (requestCookie(ex.request.headers, ctx.lbCookie) ?? null);
  return v === null ? `step ${n} carried no ${ctx.lbCookie}` : `step ${n} carried ${ctx.lbCookie}=${v}`;
}

/** The ticket: a continue request reached a node that does not hold the auth session. */
function authSessionMissed(ctx: DiagnosisContext, flow: LoginFlow, i: number, missed: LabEventOf<'auth-session-missed'> | undefined): Finding {
  const ex = flow.steps[i]!;
  const n = stepNumber(flow, ex);
  const prev = i > 0 ? flow.steps[i - 1] : undefined;
  const from = origin(ctx, flow, ex);
  const storage = missed?.data.storage ?? from.storage;
  const holder = missed?.data.createdOn ?? (prev ? answeringNode(prev, ctx.lbCookie).node : null) ?? from.node;
  const looked = missed?.data.lookedUpOn ?? missed?.node ?? (ex.routing.node || null);
  const evidence = [from.line];
  if (prev && prev !== from.exchange) evidence.push(`step ${n - 1} answered by node ${answeringNode(prev, ctx.lbCookie).node ?? '(unknown)'}`);
  const down = holder ? ctx.events.filter(isEvent('node-down')).find((e) => e.node === holder && e.labTime <= ex.labStart && (!prev || e.seq > lastSeq(ctx, prev))) : undefined;
  if (down) evidence.push(`node ${holder} went down after step ${n - 1} (${down.data.by === 'operator' ? 'killed by the operator' : 'health check failed'})`);
  evidence.push(cookieLine(ctx, ex, n));
  evidence.push(routedText(ex));
  if (!missed && prev) evidence.push(`step ${n} came ${duration(ex.labStart - prev.labEnd)} after step ${n - 1}`);
  if (ex.routing.policy === 'unknown') {
    // Without routing data, the server ids this client met show whether several nodes take its traffic.
    const seen = [...new Set(ctx.exchanges.filter((x) => x.browser === ex.browser).map((x) => answeringNode(x, ctx.lbCookie).node).filter((x): x is string => !!x))].sort();
    if (seen.length > 1) evidence.push(`server ids answering this client in the HAR: ${seen.join(', ')}`);
  }
  const where = storage === 'memory' || storage === undefined ? 'has no auth session for this authId' : `could not load the auth session (${missed ? authSessionMissText(missed.data) : `kept in ${storage === 'cts' ? 'the CTS' : 'the authId'}`})`;
  evidence.push(`${looked ? `node ${looked}` : 'the node that answered'} ${where} → ${responseLabel(ex)}`);

  const at = holder ? `node ${holder}'s memory` : 'the memory of the node that started it';
  let sentence: string;
  let fix: string;
  if (down && looked && looked !== holder) {
    sentence = `Step ${n} of the login was sent to node ${looked} after node ${holder} went down, and the auth session was lost with ${at} → ${responseLabel(ex)}.`;
    fix = 'trees with CTS or client-side auth sessions survive a node loss; chains and in-memory auth sessions do not, so the user must log in again';
  } else if (storage === 'cts' && from.ctsServer && missed?.data.ctsServer && missed.data.ctsServer !== from.ctsServer) {
    // Written to one replica, read from another before replication delivered it.
    sentence = `Step ${n} of the login reached node ${looked ?? '(unknown)'}, which read the CTS at ${missed.data.ctsServer} before replication brought the auth session from ${from.ctsServer} → ${responseLabel(ex)}.`;
    fix = 'CTS affinity (org.forgerock.services.cts.store.affinity.enabled), so every AM server sends a token to one replica';
  } else if (storage === 'cts' || storage === 'client') {
    sentence = `Step ${n} of the login reached node ${looked ?? '(unknown)'}, which could not load the auth session kept in ${storage === 'cts' ? 'the CTS' : 'the authId'} → ${responseLabel(ex)}.`;
    fix = storage === 'cts' ? 'check that every node reaches the same CTS' : 'every node must share the journey signing and encryption keys';
  } else if (looked && holder && looked !== holder) {
    sentence = `Step ${n} of the login reached node ${looked}, but the auth session lives in ${at} → ${responseLabel(ex)}.`;
    fix = `sticky ${ctx.lbCookie}, or trees with CTS / client-side auth sessions`;
  } else if (!looked || ex.routing.policy === 'unknown') {
    sentence = `Step ${n} of the login got ${responseLabel(ex)}: the auth session lives in ${at}, and the step most likely reached another node.`;
    fix = `sticky ${ctx.lbCookie}, or trees with CTS / client-side auth sessions`;
  } else {
    sentence = `Step ${n} of the login reached node ${looked}, which no longer holds the auth session → ${responseLabel(ex)}.`;
    fix = 'start the login again; if it recurs, check that the node was not restarted between steps';
  }
  return finding(
    {
      severity: 'error',
      kind: 'auth-session-missed',
      sentence,
      evidence,
      fix,
      exchangeIds: [...(from.exchange ? [from.exchange.id] : []), ...(prev ? [prev.id] : []), ex.id],
      eventSeqs: [...(missed ? [missed.seq] : []), ...(down ? [down.seq] : [])],
      failingExchangeId: ex.id,
    },
    ctx,
  );
}

function lastSeq(ctx: DiagnosisContext, ex: TraceExchange): number {
  return Math.max(ex.seq, ...ctx.eventsOf(ex.id).map((e) => e.seq));
}

function authSessionExpired(ctx: DiagnosisContext, flow: LoginFlow, i: number, ev: LabEvent | undefined): Finding {
  const ex = flow.steps[i]!;
  const n = stepNumber(flow, ex);
  const prev = i > 0 ? flow.steps[i - 1] : undefined;
  const from = origin(ctx, flow, ex);
  const started = from.exchange?.labStart;
  const evidence = [started !== undefined ? `${from.line} at ${clockTime(started)}` : from.line];
  if (prev) evidence.push(`step ${n} sent ${duration(ex.labStart - prev.labEnd)} after step ${n - 1} (lab time)`);
  const exp = authIdInfo(requestAuthId(ex))?.exp;
  if (ev?.type === 'auth-session-expired') {
    evidence.push(`node ${ev.node} found the auth session past its lifetime${started !== undefined ? ` (${duration(ex.labStart - started)} old)` : ''}`);
  } else if (exp !== undefined) {
    evidence.push(`the authId expired at ${clockTime(exp)}, ${duration(ex.labStart - exp)} before step ${n}`);
  } else if (ev) evidence.push(ev.message);
  arrow(evidence, responseLabel(ex));
  const after = started !== undefined ? ` ${duration(ex.labStart - started)} after the login started` : '';
  return finding(
    {
      severity: 'warning',
      kind: 'auth-session-expired',
      sentence: `Step ${n} of the login came${after}, when the auth session had already expired → ${responseLabel(ex)}.`,
      evidence,
      fix: 'finish the login within the auth session lifetime, or raise it (chains: invalid session max time; trees: Max duration)',
      exchangeIds: [...(from.exchange ? [from.exchange.id] : []), ...(prev && prev !== from.exchange ? [prev.id] : []), ex.id],
      eventSeqs: ev ? [ev.seq] : [],
      failingExchangeId: ex.id,
    },
    ctx,
  );
}

function wrongCredentials(ctx: DiagnosisContext, flow: LoginFlow, i: number, failed: LabEventOf<'login-failed'> | undefined): Finding {
  const ex = flow.steps[i]!;
  const n = stepNumber(flow, ex);
  const user = failed?.data.user ?? submittedUser(flow);
  const node = failed?.node ?? answeringNode(ex, ctx.lbCookie).node;
  const who = user ? `"${user}"` : 'the user';
  const evidence = arrow(
    [
      flow.zeroPage ? `zero-page login (X-OpenAM-Username / X-OpenAM-Password headers)` : `step ${n} carried the credentials`,
      routedText(ex),
      failed ? `node ${node} checked the credentials of ${who}: wrong user name or password` : `AM rejected the credentials of ${who}`,
    ],
    responseLabel(ex),
  );
  return finding(
    {
      severity: 'warning',
      kind: 'wrong-credentials',
      sentence: `Login of ${who} failed${node ? ` on node ${node}` : ''}: wrong user name or password (${responseLabel(ex)}).`,
      evidence,
      fix: 'check the user name and password; routing is not involved (the node found the auth session)',
      exchangeIds: [ex.id],
      eventSeqs: failed ? [failed.seq] : [],
      failingExchangeId: ex.id,
    },
    ctx,
  );
}

/** The user name typed into the NameCallback (usernames are kept by the redactor unless asked). */
function submittedUser(flow: LoginFlow): string | undefined {
  for (const ex of flow.steps) {
    const cbs = jsonObject(ex.request.body)?.callbacks;
    if (!Array.isArray(cbs)) continue;
    for (const cb of cbs as { type?: unknown; input?: { value?: unknown }[] }[]) {
      if (cb?.type === 'NameCallback' && typeof cb.input?.[0]?.value === 'string' && cb.input[0].value) return cb.input[0].value;
    }
  }
  return undefined;
}

/** A login whose steps were answered by different nodes and still worked (CTS or client-side). */
function serverChanged(ctx: DiagnosisContext, flow: LoginFlow): Finding | undefined {
  if (flow.outcome !== 'success' || flow.steps.length < 2) return undefined;
  const nodes = flow.steps.map((s) => answeringNode(s, ctx.lbCookie).node);
  const known = nodes.filter((x): x is string => !!x);
  if (new Set(known).size < 2) return undefined;
  const storage = origin(ctx, flow, flow.steps.at(-1)!).storage;
  const kept = storage === 'cts' ? 'the CTS' : storage === 'client' ? 'the authId (client-side)' : 'a store every node can read';
  return finding(
    {
      severity: 'info',
      kind: 'server-changed-mid-login',
      sentence: `The login's steps were answered by nodes ${nodes.map((x) => x ?? '?').join(' → ')} and still succeeded: its auth session is kept in ${kept}.`,
      evidence: arrow(flow.steps.map((s) => `step ${stepNumber(flow, s)}: ${routedText(s)}`), responseLabel(flow.steps.at(-1)!)),
      exchangeIds: flow.steps.map((s) => s.id),
    },
    ctx,
  );
}
