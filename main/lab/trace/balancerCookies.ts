import { f5Decode } from '../balancer/hashing';
import type { Finding } from '../../contract/diagnosis';
import { answeringNode, isTimedOut } from './traffic';
import { arrow, clockTime, finding, responseLabel, type DiagnosisContext } from './evidence';
import { headerValue, requestCookie, setCookies, type SetCookieView } from './http';
import { parsePseudonym } from './tokenInfo';
import { stepNumber, type LoginFlow } from './flows';
import type { TraceExchange } from './types';

/**
 * The load balancers' own cookies in a trace — HAProxy's inserted SERVERID-style cookies and
 * `<server>~<value>` prefixes, ingress-nginx's INGRESSCOOKIE / `route` (`key|hash`), AWS ALB's
 * AWSALB / AWSALBCORS / AWSALBAPP / AWSALBTG, F5's BIGipServer<pool> (`addr.port.0000`), nginx
 * `sticky cookie` MD5s — read beside amlbcookie and the token's server id, to say for each login
 * step which node answered and why the balancer chose it: the cookie was carried, or the browser
 * did not send it back (expired, Secure over http, Path, Domain, SameSite on a cross-site call).
 * Browser-safe, like the rest of the diagnosis.
 */
export interface BalancerCookie {
  name: string;
  product: string;
  /** What the value says, when it can be read (a server, a member address). */
  names?: string;
}

export function recognize(name: string, value: string): BalancerCookie | undefined {
  if (/^BIGipServer/i.test(name)) {
    const member = parsePseudonym(value) ? undefined : f5Decode(value);
    return { name, product: 'F5 BIG-IP cookie persistence', names: member ? `pool member ${member}` : undefined };
  }
  if (/^AWSALB(CORS)?$/.test(name)) return { name, product: 'AWS ALB duration-based stickiness' };
  if (/^AWSALBAPP(-\d+)?$/.test(name)) return { name, product: 'AWS ALB application-based stickiness' };
  if (/^AWSALBTG(CORS)?$/.test(name)) return { name, product: 'AWS ALB target-group stickiness' };
  if (name === 'AWSELB') return { name, product: 'AWS Classic Load Balancer stickiness' };
  if (name === 'INGRESSCOOKIE' || /^[^|\s]+\|[0-9a-f]{32}$/.test(value)) return { name, product: 'ingress-nginx cookie affinity' };
  if (/^(SERVERID|SRVID|SRVNAME|SERVER_ID|srv_id|SRV)$/i.test(name)) return { name, product: /^srv_id$/.test(name) ? 'nginx sticky cookie' : 'HAProxy inserted cookie', names: value && !parsePseudonym(value) ? `server ${value}` : undefined };
  if (/^[^~\s]{1,32}~\S/.test(value) && !parsePseudonym(value)) return { name, product: 'HAProxy cookie prefix', names: `server ${value.split('~')[0]}` };
  if (/^[0-9a-f]{32}$/.test(value) && /route|sticky|srv/i.test(name)) return { name, product: 'nginx sticky cookie', names: 'a server (MD5 of its address)' };
  return undefined;
}

/** Findings for logins whose steps carried (or should have carried) a balancer's own cookie. */
export function balancerCookieFindings(ctx: DiagnosisContext): Finding[] {
  const out: Finding[] = [];
  for (const flow of ctx.flows) {
    if (flow.steps.length < 2) continue;
    const f = flowFinding(ctx, flow);
    if (f) out.push(f);
  }
  return out;
}

interface Issued {
  cookie: SetCookieView;
  kind: BalancerCookie;
  by: TraceExchange;
}

function flowFinding(ctx: DiagnosisContext, flow: LoginFlow): Finding | undefined {
  const issued = new Map<string, Issued>();
  const lines: string[] = [];
  let failing: TraceExchange | undefined;
  let missing: { name: string; why: string } | undefined;
  for (const ex of flow.steps) {
    const n = stepNumber(flow, ex);
    const node = answeringNode(ex, ctx.lbCookie).node;
    const parts: string[] = [];
    for (const [name, was] of issued) {
      const sent = requestCookie(ex.request.headers, name);
      if (sent !== undefined) parts.push(`carried ${name}${sent === was.cookie.value ? '' : `=${sent}`}${sent === was.cookie.value && was.by !== ex ? ` (set by the answer of node ${answeringNode(was.by, ctx.lbCookie).node ?? '?'})` : ''}`);
      else {
        const why = notSent(was, ex);
        parts.push(`did not carry ${name}: ${why}`);
        if (ex.response.status === 401 && isTimedOut(ex)) missing ??= { name, why };
      }
    }
    for (const c of setCookies(ex.response.headers)) {
      if (c.invalidates) continue;
      const kind = recognize(c.name, c.value);
      if (!kind) continue;
      issued.set(c.name, { cookie: c, kind, by: ex });
      parts.push(`the balancer set ${c.name}${kind.names ? ` (${kind.product}, naming ${kind.names})` : ` (${kind.product})`}`);
    }
    if (!parts.length && !issued.size) continue;
    lines.push(`step ${n} → node ${node ?? '(unknown)'}${parts.length ? `: ${parts.join('; ')}` : ''}`);
    if (isTimedOut(ex)) failing ??= ex;
  }
  if (!issued.size) return undefined;
  const [first] = issued.values();
  const products = [...new Set([...issued.values()].map((i) => i.kind.product))].join(', ');
  if (failing && missing) {
    const n = stepNumber(flow, failing);
    return finding(
      {
        severity: 'error',
        kind: 'balancer-cookie',
        sentence: `Step ${n} of the login did not carry the balancer's cookie ${missing.name} (${products}): ${missing.why}; the balancer chose anew and node ${answeringNode(failing, ctx.lbCookie).node ?? '(unknown)'} answered ${responseLabel(failing)}.`,
        evidence: arrow(lines, responseLabel(failing)),
        fix: fixFor(missing.why),
        exchangeIds: flow.steps.map((s) => s.id),
        failingExchangeId: failing.id,
      },
      ctx,
    );
  }
  return finding(
    {
      severity: failing ? 'warning' : 'info',
      kind: 'balancer-cookie',
      sentence: `The balancer sticks with its own cookie ${first!.kind.name} (${products})${failing ? `, and step ${stepNumber(flow, failing)} still reached a node without the login` : ': each step went where the cookie said'}.`,
      evidence: failing ? arrow(lines, responseLabel(failing)) : lines,
      fix: failing ? 'the cookie named another server than the one holding the login: check what the balancer maps it to (pods scaled? server removed?) with `session-lab lb check` on its configuration' : undefined,
      exchangeIds: flow.steps.map((s) => s.id),
      ...(failing ? { failingExchangeId: failing.id } : {}),
    },
    ctx,
  );
}

/** Why a browser would not send a cookie it was given, read from its attributes and the request. */
function notSent(was: Issued, ex: TraceExchange): string {
  const c = was.cookie;
  let url: URL | undefined;
  try {
    url = new URL(ex.request.url);
  } catch {
    url = undefined;
  }
  const expires = c.expires ? Date.parse(c.expires) : c.maxAge !== undefined ? was.by.labEnd + c.maxAge * 1000 : undefined;
  if (expires !== undefined && expires <= ex.labStart) return `it expired at ${clockTime(expires)}, before this step (${Math.round((ex.labStart - expires) / 1000)} s)`;
  if (c.secure && url?.protocol === 'http:') return `it was Secure and the site is http://${url.host}`;
  if ((c.sameSite ?? '').toLowerCase() === 'none' && !c.secure) return 'it was SameSite=None without Secure, which browsers refuse';
  if (c.domain && url && !hostCovered(url.hostname, c.domain)) return `its Domain=${c.domain} does not cover ${url.hostname}`;
  if (c.path && url && !pathCovered(url.pathname, c.path)) return `its Path=${c.path} does not cover ${url.pathname}`;
  const origin = headerValue(ex.request.headers, 'origin');
  if (origin && url && (c.sameSite ?? 'lax').toLowerCase() !== 'none' && siteOf(origin) !== siteOf(url.origin)) {
    return `it was SameSite=${c.sameSite ?? 'unset (Lax)'} and the call came from ${origin}, another site`;
  }
  return 'the browser did not send it back (cleared, or a new browser)';
}

function fixFor(why: string): string {
  if (why.startsWith('it expired')) return "a stickiness duration longer than the longest login (ALB: stickiness.lb_cookie.duration_seconds)";
  if (why.includes('Secure')) return 'serve the site over HTTPS, or drop Secure from the balancer cookie while it is plain HTTP';
  if (why.includes('Domain')) return "set the cookie's domain to the one users reach AM under, or none";
  if (why.includes('Path')) return "a cookie path that covers AM's (/ or /am)";
  if (why.includes('another site')) return 'SameSite=None; Secure on the balancer cookie (over HTTPS), for apps that call AM from another site';
  return 'stick on amlbcookie, which AM sets on every step';
}

function hostCovered(host: string, domain: string): boolean {
  const d = domain.replace(/^\./, '').toLowerCase();
  const h = host.toLowerCase();
  return h === d || h.endsWith(`.${d}`);
}

function pathCovered(path: string, cookiePath: string): boolean {
  return path === cookiePath || (path.startsWith(cookiePath) && (cookiePath.endsWith('/') || path[cookiePath.length] === '/'));
}

/** Scheme and the last two labels of the host: enough to tell app.example.org from am.example.com. */
function siteOf(origin: string): string {
  try {
    const u = new URL(origin);
    const host = /^[\d.]+$/.test(u.hostname) ? u.hostname : u.hostname.split('.').slice(-2).join('.');
    return `${u.protocol}//${host}`;
  } catch {
    return origin;
  }
}
