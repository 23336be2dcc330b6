import { domainMatch, pathMatch } from 'tough-cookie';
import { cite, type BalancerModel, type CookiePersistence, type Source } from './model';
import { AUTH_COOKIE } from '../trace/tokenInfo';
import { fixFor, finding, TICKET_401, type AmSide, type LbFinding } from './finding';
import { routeWithCookie, serverIds } from './simulate';

/**
 * Findings about the cookies a balancer sticks on: one AM never sets (or sets only after the
 * login), server values that do not name AM's servers, a cookie the balancer inserts, and the
 * attributes (Path, Domain, Secure, SameSite) under which a browser will not send it back.
 */
type Role = 'lb' | 'session' | 'auth' | 'never';

function role(name: string, am: AmSide): Role {
  if (name === am.lbCookie) return 'lb';
  if (name === am.sessionCookie) return 'session';
  if (name === AUTH_COOKIE) return 'auth';
  return 'never';
}

export function cookieFindings(m: BalancerModel, am: AmSide, n: number): LbFinding[] {
  const out: LbFinding[] = [];
  for (const p of m.persistence) {
    if (p.kind === 'table') {
      if (p.store.kind === 'response-cookie') out.push(...serverSets(m, am, p.store.name, p.source, 'learns'));
      continue;
    }
    const needs = p.mode === 'insert' ? (p.insert === 'after-server-cookie' ? p.serverCookie : undefined) : p.mode === 'rewrite' ? (p.serverCookie ?? p.name) : p.name;
    if (needs) {
      const found = serverSets(m, am, needs, p.source, p.mode === 'insert' ? 'waits for' : p.mode === 'rewrite' ? 'rewrites' : 'reads');
      out.push(...found);
      if (!found.length && p.mode === 'passive' && role(needs, am) === 'lb') out.push(...valueMismatch(m, p, n));
    }
    if (p.mode === 'insert') out.push(...inserted(m, am, p));
  }
  out.push(...rewrites(m, am));
  return out;
}

/** A persistence that depends on a cookie the server sets: is it one AM sets, and when? */
function serverSets(m: BalancerModel, am: AmSide, name: string, source: Source | null, verb: string): LbFinding[] {
  const r = role(name, am);
  if (r === 'lb') return [];
  if (r === 'session') {
    return [
      finding('cookie-set-after-login', 'error', source, {
        title: `The balancer ${verb} ${name}, which AM sets only once the login has succeeded`,
        am: `sets ${name} (the SSO token) on the last step of a login; during the login it sets only ${am.lbCookie}${m.product === 'aws-alb' ? '' : ' and, for chains, AMAuthCookie'}`,
        browser: `has no ${name} on step 2, so the balancer picks a server as for a new visitor`,
        ticket: TICKET_401,
        fix: `stick on ${am.lbCookie}, which AM sets on the first step: ${fixFor(m, am)}`,
      }),
    ];
  }
  if (r === 'auth') {
    return [
      finding('cookie-never-set', 'warning', source, {
        title: `The balancer ${verb} AMAuthCookie, which only chain logins have, and only until they finish`,
        am: 'sets AMAuthCookie during a chain login (its value is a token, not a server id) and clears it at the end; trees never set it',
        browser: 'has it only between the steps of a chain login',
        ticket: `${TICKET_401} for trees; validate, refresh and logout after the login are balanced anew`,
        fix: `stick on ${am.lbCookie}: ${fixFor(m, am)}`,
      }),
    ];
  }
  return [
    finding('cookie-never-set', 'error', source, {
      title: `The balancer ${verb} ${name}, a cookie AM never sets`,
      am: `sets ${am.lbCookie}=<server id>, AMAuthCookie (chains) and ${am.sessionCookie}; never ${name}${name === 'BIGipCookie' ? ' (the placeholder an F5 rewrite profile overwrites)' : /JSESSIONID/i.test(name) ? ' (AM is a stateless REST application: its container creates no HTTP session for these calls)' : ''}`,
      browser: `never has ${name}, so every request is balanced as a new visitor's`,
      ticket: TICKET_401,
      fix: fixFor(m, am),
    }),
  ];
}

/** Passive persistence on amlbcookie: does each AM's value reach its own server? Found by routing it. */
function valueMismatch(m: BalancerModel, p: CookiePersistence, n: number): LbFinding[] {
  const count = m.servers.length || n;
  const ids = serverIds(count);
  const routes = ids.map((id) => ({ id, ...routeWithCookie(m, count, p.name, id) }));
  // A value that names no server is wrong even when the balancing happens to pick the right node.
  const unnamed = (r: { reason: string }) => /names no server/.test(r.reason);
  const wrong = routes.filter((r) => r.node !== r.id || unnamed(r));
  if (!wrong.length) return [];
  const values = m.servers.map((s) => s.cookie);
  const allIds = values.length > 0 && values.every((v) => v !== undefined && /^\d{2}$/.test(v)) && new Set(values).size === values.length;
  const listed = m.servers.length ? m.servers.map((s, i) => `${s.name}: ${s.cookie === undefined ? 'no value' : JSON.stringify(s.cookie)} (node ${ids[i]})`).join(', ') : `values in the format ${p.value}`;
  const what = `${cite(p.source)}; server values ${listed}`;
  if (allIds) {
    return [
      finding('server-cookie-order', 'warning', m.servers[0]?.source ?? p.source, {
        title: 'The server cookie values are AM server ids, but not in the order of the servers',
        file: what,
        am: `each AM sets ${p.name} to its own server id (Deployment > Servers; com.iplanet.am.lbcookie.value)`,
        browser: `returns it; the lab maps the servers to nodes in file order, so there ${wrong.map((w) => `${p.name}=${w.id} → node ${w.node ?? 'none'}`).join(', ')}`,
        ticket: `${TICKET_401} if the server at each address is not the AM whose id its line names`,
        fix: 'give each server line the id of the AM at that address (compare with the AM console)',
      }),
    ];
  }
  return [
    finding('server-cookie-mismatch', 'error', p.source, {
      title: `Persistence on ${p.name}, but the servers' values are not AM's server ids`,
      file: what,
      am: `sets ${p.name}=<server id>: node 01 sets 01, node 02 sets 02 (AM's default ids, com.iplanet.am.lbcookie.value)`,
      browser: `returns ${p.name}=01; the balancer compares it byte for byte with the servers' values: ${
        wrong.length === routes.length && wrong.every(unnamed)
          ? `none of ${ids.join(', ')} names a server, so every request is balanced like a new visitor's`
          : wrong.map((w) => `${w.id} ${unnamed(w) ? 'names no server' : `→ node ${w.node ?? 'none'}`}`).join('; ')
      }`,
      ticket: TICKET_401,
      fix: `\`${m.product === 'nginx' ? 'route=' : 'cookie '}01\`, \`…02\`, … on the server lines: each value the id of the AM at that address`,
    }),
  ];
}

function inserted(m: BalancerModel, am: AmSide, p: CookiePersistence): LbFinding[] {
  const out: LbFinding[] = [];
  const a = p.attrs;
  const ctxPath = `${am.contextPath}/json/realms/root/authenticate`;
  const who = `The balancer's cookie ${p.name}`;
  const regex = /[\^$()[\]*+?\\|]/.test(a.path ?? '');
  if (a.path && (regex || !pathMatch(ctxPath, a.path))) {
    out.push(
      finding('cookie-path', 'error', p.source, {
        title: `${who} has Path=${a.path}, which does not cover AM's ${am.contextPath}`,
        file: `${cite(p.source)}${regex ? ' (the Ingress path is a regular expression, and ingress-nginx uses it as the cookie path)' : ''}`,
        am: `is called at ${am.contextPath}/json/…`,
        browser: `stores ${p.name} with Path=${a.path} and never sends it to ${am.contextPath}/json/…`,
        ticket: TICKET_401,
        fix: p.value.startsWith('ingress') ? `nginx.ingress.kubernetes.io/session-cookie-path: "${am.contextPath}"` : `a cookie path of / or ${am.contextPath}`,
      }),
    );
  }
  const hosts = m.listener.hosts.filter((h) => !h.startsWith('*') && !h.startsWith('~'));
  if (a.domain) {
    const bad = hosts.filter((h) => !domainMatch(h, a.domain!.replace(/^\./, '')));
    if (!hosts.length || bad.length) {
      out.push(
        finding('cookie-domain', hosts.length ? 'error' : 'warning', p.source, {
          title: `${who} has Domain=${a.domain}${hosts.length ? `, which does not cover ${bad.join(', ')}` : ''}`,
          am: hosts.length ? `is reached as ${hosts.join(', ')}` : `must be reached under ${a.domain.replace(/^\./, '')} for the cookie to be kept`,
          browser: `refuses a Set-Cookie whose Domain does not cover the host it came from (DevTools: "its Domain attribute was invalid with regards to the current host url"), so it never has ${p.name}`,
          ticket: hosts.length ? TICKET_401 : `${TICKET_401} for users reaching AM under another domain`,
          fix: `drop the domain (a host-only cookie), or set it to the domain of AM's public URL`,
        }),
      );
    }
  }
  const tlsKnown = m.listener.source !== null || m.product === 'haproxy' || m.product === 'nginx' || m.product === 'ingress-nginx';
  if (a.secure && !m.listener.tls) {
    out.push(
      finding('cookie-secure-over-http', tlsKnown ? 'error' : 'warning', p.source, {
        title: `${who} is Secure, but ${tlsKnown ? `the front (${cite(m.listener.source)}) is plain HTTP` : 'the listener is not in this output'}`,
        am: 'is reached over http:// here',
        browser: `refuses a Secure cookie from an http:// page (only localhost is exempt), so it never has ${p.name}`,
        ticket: TICKET_401,
        fix: 'serve AM over HTTPS at the balancer (the lab: --https), or drop `secure` while it is plain HTTP',
      }),
    );
  }
  const sameSite = (a.sameSite ?? '').toLowerCase();
  if (sameSite === 'none' && !a.secure && !(p.secureOnTls && m.listener.tls)) {
    out.push(
      finding('samesite-none-without-secure', 'error', p.source, {
        title: `${who} is SameSite=None without Secure`,
        am: 'is called by the browser as usual',
        browser: 'refuses SameSite=None cookies that are not Secure (Chrome 80+), so it never has the cookie',
        ticket: TICKET_401,
        fix: 'SameSite=None together with Secure, over HTTPS',
      }),
    );
  } else if (sameSite !== 'none' && !p.corsTwin) {
    out.push(
      finding('samesite-cross-site', 'warning', p.source, {
        title: `${who} is SameSite=${a.sameSite ?? 'unset (Lax in Chromium)'}: it is not sent on cross-site calls`,
        am: 'is called cross-site by an app on another site (the ForgeRock SDK with credentials: "include")',
        browser: `neither keeps nor sends a ${a.sameSite ? a.sameSite : 'Lax-by-default'} cookie on a cross-site fetch, so the SDK's step 2 arrives without ${p.name}`,
        ticket: `${TICKET_401} for SDK apps on another site; AM's own pages work`,
        fix: 'SameSite=None; Secure over HTTPS (ingress: session-cookie-samesite: None and session-cookie-secure: "true")',
      }),
    );
  }
  out.push(
    finding('balancer-cookie', 'warning', p.source, {
      title: `The balancer inserts its own cookie ${p.name}: logins stick, but not to what AM says`,
      am: `sets ${am.lbCookie} to the node that holds the session, and clears its session cookie on logout`,
      browser: `keeps ${p.name} after AM's logout (the next login goes to the same server), and the balancer ignores ${am.lbCookie}: a browser whose ${p.name} names a server that went away is re-balanced without regard to where its session is`,
      ticket: 'none by itself; surprises in failover tests and after logout',
      fix: m.product === 'ingress-nginx' ? "fine to keep: ingress-nginx can only stick with its own cookie (upstream-hash-by on amlbcookie is a hash, not a lookup)" : `fine to keep; or stick on AM's own cookie: ${fixFor(m, am)}`,
    }),
  );
  return out;
}

/** nginx proxy_cookie_path / _domain applied to AM's own cookies (Path=/, no Domain). */
function rewrites(m: BalancerModel, am: AmSide): LbFinding[] {
  const out: LbFinding[] = [];
  for (const r of m.cookieRewrites) {
    if (r.attr !== 'path' || !'/'.startsWith(r.from)) continue;
    const path = r.to + '/'.slice(r.from.length);
    if (pathMatch(`${am.contextPath}/json/realms/root/authenticate`, path)) continue;
    out.push(
      finding('cookie-path', 'error', r.source, {
        title: `proxy_cookie_path rewrites AM's cookies to Path=${path}, which does not cover ${am.contextPath}`,
        am: `sets ${am.lbCookie}, AMAuthCookie and ${am.sessionCookie} with Path=/`,
        browser: `receives them with Path=${path} and never sends them to ${am.contextPath}/json/…`,
        ticket: `${TICKET_401}; after a login, validate and logout fail as if no session existed`,
        fix: `remove the proxy_cookie_path line, or rewrite to a path that covers ${am.contextPath}`,
      }),
    );
  }
  return out;
}
