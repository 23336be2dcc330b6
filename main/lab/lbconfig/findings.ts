import { keyName } from '../balancer/algorithms';
import { algorithmText } from './describe';
import { AM_DEFAULTS, finding, fixFor, TICKET_401, type AmSide, type LbFinding } from './finding';
import { cookieFindings } from './findingsCookie';
import { cite, PRODUCT_NAMES, type BalancerModel, type Source } from './model';
import { repinnedShare, routeFrom, routeWithCookie, serverIds } from './simulate';

/**
 * What in a balancer's configuration breaks AM logins, in the lab's diagnosis style: what in the
 * file, what AM does, what the browser will do, which ticket it causes, the fix. Computed from the
 * same model the lab's balancer routes with; where a mapping matters (a hash of `amlbcookie`,
 * server cookie values, pods scaling) it is found by routing through that model.
 * Severity: error = a login will break as configured (exit 1 of `lb check`); warning = it breaks
 * under a condition the finding names; info = worth knowing.
 */
export function checkModel(m: BalancerModel, am: AmSide = AM_DEFAULTS): LbFinding[] {
  const out: LbFinding[] = [];
  const n = Math.max(2, m.servers.length || 3);
  for (const r of m.rejected) {
    out.push(finding('rejected', 'error', r.source, { title: `${PRODUCT_NAMES[m.product]} rejects or ignores this line`, am: 'AM never sees the effect this line was meant to have', browser: 'nothing sticks where this line was meant to make it stick', ticket: TICKET_401, fix: r.text }));
  }
  if (!m.persistence.length) out.push(...noPersistence(m, am, n));
  out.push(...cookieFindings(m, am, n));
  for (const p of m.persistence) {
    if (p.kind === 'table' && p.key.kind === 'source') out.push(sourceIp(m, n, p.source, `a table of client IPs (${Math.round(p.timeoutSec)} s)`));
    if (p.kind === 'table' && p.key.kind === 'cookie' && p.store.kind === 'request') {
      const r = routeWithCookie(m, n, p.key.name, '01');
      out.push(
        finding('stick-on-request-cookie', 'error', p.source, {
          title: `The stick table learns ${p.key.name} from requests, i.e. wherever the first request carrying it happened to land`,
          am: `AM sets ${p.key.name} on the response of the node that started the login (e.g. ${p.key.name}=01 from node 01)`,
          browser: `sends ${p.key.name}=01 on step 2; the table has no entry yet, so the balancer picks a server by ${algorithmText(m.algorithm)} (in the lab: ${r.reason}) and records 01 → that server for everyone`,
          ticket: `${TICKET_401}; afterwards every browser with ${p.key.name}=01 goes to the wrong server`,
          fix: `learn from the server's answer: \`stick store-response res.cook(${p.key.name})\` with \`stick match req.cook(${p.key.name})\`, or simply \`cookie ${p.key.name}\` with \`server … cookie 01\``,
        }),
      );
    }
  }
  if (m.algorithm.kind === 'hash' && m.algorithm.key.kind === 'source' && !m.persistence.length) out.push(sourceIp(m, n, m.algorithm.source, algorithmText(m.algorithm)));
  out.push(...hashOfCookie(m, am, n));
  out.push(...ingressBalanced(m));
  out.push(...albDuration(m));
  out.push(...healthCheck(m, am));
  out.push(...upstreamHost(m));
  const order = { error: 0, warning: 1, info: 2 };
  return out.sort((a, b) => order[a.severity] - order[b.severity] || (a.line ?? 0) - (b.line ?? 0));
}

function noPersistence(m: BalancerModel, am: AmSide, n: number): LbFinding[] {
  const alg = m.algorithm;
  if (alg.kind === 'hash' && (alg.key.kind === 'source' || alg.key.kind === 'cookie')) return [];
  const keyed = alg.kind === 'hash' ? ` (a hash of ${keyName(alg.key)} is the same for every user's requests only by chance)` : '';
  const out = [
    finding('no-persistence', 'error', alg.source ?? m.listener.source, {
      title: 'No session persistence: every request is balanced on its own',
      file: `${cite(alg.source)}: ${algorithmText(alg)}${keyed}, and no cookie, stick table or source affinity in backend ${m.backend}`,
      am: `a chain login (or a tree with in-memory auth sessions) lives in the memory of the node that started it; that node sets ${am.lbCookie}=<its server id> so a balancer can return the browser to it`,
      browser: `sends ${am.lbCookie}=01 on step 2, which this balancer never reads: step 2 goes to the next server (${n} servers: ${Math.round(((n - 1) / n) * 100)}% of logins)`,
      ticket: TICKET_401,
      fix: fixFor(m, am),
    }),
  ];
  if (m.redispatch.enabled && m.redispatch.source) {
    out.push(
      finding('redispatch-without-stickiness', 'warning', m.redispatch.source, {
        title: 'Redispatch without stickiness: it only ever breaks a persistence this backend does not have',
        am: 'AM needs the browser back on the node that holds its login',
        browser: 'nothing to redispatch: every request is balanced anew anyway',
        ticket: 'the configuration reads as if stickiness were set up; the logins still fail as above',
        fix: `keep \`option redispatch\` (so a dead node's users move on) and add the persistence: ${fixFor(m, am)}`,
      }),
    );
  }
  return out;
}

function sourceIp(m: BalancerModel, n: number, source: Source | null, what: string): LbFinding {
  const [a, b] = routeFrom(m, n, ['198.51.100.7', '203.0.113.9']);
  return finding('source-ip', 'warning', source, {
    title: 'Persistence on the client IP address',
    file: `${cite(source)}: ${what}`,
    am: 'the login in progress lives on the node that started it',
    browser: `keeps its server only while its IP stays the same. Behind a proxy farm or a mobile network the IP changes between steps (in the lab: 198.51.100.7 → node ${a}, 203.0.113.9 → node ${b}); behind one NAT every user shares an IP and one node`,
    ticket: `${TICKET_401} for users whose address changes mid-login; one overloaded node for users behind NAT`,
    fix: `stick on AM's cookie instead: ${fixFor(m, AM_DEFAULTS)}`,
  });
}

function hashOfCookie(m: BalancerModel, am: AmSide, n: number): LbFinding[] {
  const alg = m.algorithm;
  const hashed = alg.kind === 'hash' && alg.key.kind === 'cookie' ? { name: alg.key.name, source: alg.source } : undefined;
  const f5 = m.persistence.find((p) => p.kind === 'cookie' && p.mode === 'hash');
  const target = hashed ?? (f5?.kind === 'cookie' ? { name: f5.name, source: f5.source } : undefined);
  if (!target || target.name !== am.lbCookie) return [];
  const ids = serverIds(n);
  const map = ids.map((id) => ({ id, to: routeWithCookie(m, n, am.lbCookie, id).node }));
  const wrong = map.filter((x) => x.to !== x.id);
  return [
    finding('hash-of-cookie', wrong.length ? 'error' : 'warning', target.source, {
      title: `A hash of ${am.lbCookie} does not send its value to the server that set it`,
      am: `the node that starts a login sets ${am.lbCookie}=<its server id> (node 01 sets 01)`,
      browser: `sends that value back; the balancer hashes it onto the servers. With ${n} servers in the lab: ${map.map((x) => `${x.id} → node ${x.to ?? 'none'}`).join(', ')}${wrong.length ? '' : ' (right only by chance: adding or removing a server changes it)'}`,
      ticket: `${TICKET_401}${wrong.length ? ` for logins started on node${wrong.length > 1 ? 's' : ''} ${wrong.map((w) => w.id).join(', ')}` : ' once the server list changes'}`,
      fix: `route by the value instead of hashing it: ${fixFor(m, am)}`,
    }),
  ];
}

function ingressBalanced(m: BalancerModel): LbFinding[] {
  const p = m.persistence.find((x) => x.kind === 'cookie' && x.value === 'ingress-balanced');
  if (!p || p.kind !== 'cookie') return [];
  const share = repinnedShare(m, 2, 3);
  return [
    finding('ingress-balanced', 'warning', p.source, {
      title: 'ingress-nginx affinity-mode balanced re-pins browsers when pods are added or removed',
      am: 'a login in progress lives in the memory of the pod that started it',
      browser: `keeps its ${p.name} cookie, but the pod it maps to is recomputed on a consistent-hash ring of the pods of the moment: in the lab, going from 2 to 3 pods moved ${Math.round(share * 100)}% of the pinned browsers`,
      ticket: `${TICKET_401} for logins in progress whenever the AM StatefulSet scales out or in (autoscaling, rolling restarts)`,
      fix: 'nginx.ingress.kubernetes.io/affinity-mode: persistent (it never rebalances a pinned browser), or trees with CTS / client-side auth sessions',
    }),
  ];
}

function albDuration(m: BalancerModel): LbFinding[] {
  const p = m.persistence.find((x) => x.kind === 'cookie' && x.value === 'alb-target' && x.insert === 'every-response');
  if (!p || p.kind !== 'cookie' || p.staleAfterSec === undefined || p.staleAfterSec >= 300) return [];
  return [
    finding('alb-duration', 'error', p.source, {
      title: `The ALB's stickiness lasts ${p.staleAfterSec} s, less than a login may take`,
      am: 'a tree may take up to 5 minutes (Max duration), a chain 3 (invalid session max time); the login stays on the node that started it',
      browser: `drops the AWSALB cookie ${p.staleAfterSec} s after the last response (its Expires, on the lab clock); a user who takes longer to type a password or fetch a code comes back without it and the ALB picks a target anew`,
      ticket: `${TICKET_401} for users slower than ${p.staleAfterSec} s between two steps`,
      fix: 'stickiness.lb_cookie.duration_seconds of at least the longest login (AM allows 300 s for a tree by default); the default, 86400, is fine',
    }),
  ];
}

function healthCheck(m: BalancerModel, am: AmSide): LbFinding[] {
  const h = m.health;
  if (h.kind !== 'http' || !h.path) return [];
  const ctx = am.contextPath;
  const healthy = [`${ctx}/isAlive.jsp`, `${ctx}/json/health/live`, `${ctx}/json/health/ready`];
  const path = h.path.split('?')[0]!;
  if (healthy.includes(path)) return [];
  const outside = !(path === ctx || path.startsWith(`${ctx}/`));
  return [
    finding('health-check-path', outside ? 'error' : 'warning', h.source, {
      title: `The health check asks ${h.method ?? 'GET'} ${h.path}, which is not AM's health endpoint`,
      am: outside
        ? `is deployed at ${ctx}: ${h.path} is not AM at all (the container answers 404, or a welcome page that says nothing about AM)`
        : `answers ${h.path} with a page (a redirect to the UI), whether or not it can reach its CTS or configuration store`,
      browser: outside ? 'every server fails the check (in the lab: each node answers 404), so the balancer has no server: 503 for everyone' : 'keeps being sent to a node whose AM is broken',
      ticket: outside ? '503 Service Unavailable from the balancer on every request' : '500s or session errors from one node while the balancer calls it healthy',
      fix: `check GET ${ctx}/isAlive.jsp (every version) or ${ctx}/json/health/ready (AM 7+): \`option httpchk GET ${ctx}/isAlive.jsp\`, an ALB HealthCheckPath, an F5 http monitor send string`,
    }),
  ];
}

/** nginx without `proxy_set_header Host`: AM is asked for a host it does not know (seen with the real nginx 1.22). */
function upstreamHost(m: BalancerModel): LbFinding[] {
  const u = m.upstreamHost;
  if (!u) return [];
  return [
    finding('upstream-host', 'error', u.source, {
      title: `nginx sends AM \`Host: ${u.host}\` (its $proxy_host), not the host the browser asked for`,
      file: `${cite(u.source)}: ${u.why}`,
      am: `checks every request's Host against its own server names and com.sun.identity.server.fqdnMap (RealmContextFilter, FqdnValidator): ${u.host} is neither, so it answers 400 {"code":400,"reason":"Bad Request","message":"FQDN &quot;${u.host}&quot; is not valid."} (the message HTML-encoded, as AM sends it)`,
      browser: 'gets 400 on every call through nginx, the first authenticate call included, whatever the stickiness',
      ticket: `400 "FQDN &quot;${u.host}&quot; is not valid." on every request through the balancer, while AM answers directly`,
      fix: 'proxy_set_header Host $host; in the block that proxies to AM, beside its other proxy_set_header lines (nginx inherits them from an outer block only when the inner block has none)',
    }),
  ];
}
