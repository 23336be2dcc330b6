import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VirtualBrowser } from '../../main/lab/client/browser';
import { callbackAnswers } from '../../main/contract/browser';
import type { Lab } from '../../main/lab/lab';
import type { LbFindingId } from '../../main/lab/lbconfig/finding';
import { checkModel } from '../../main/lab/lbconfig/findings';
import { readBalancerConfig } from '../../main/lab/lbconfig/read';
import { routeFrom, routeWithCookie } from '../../main/lab/lbconfig/simulate';
import { DEMO, events, exchanges, startLab } from './helpers';

/**
 * Every fixture configuration, checked (the findings `lb check` prints) and then run: the lab's
 * balancer routes as the file says and a virtual browser does a two-step chain login through it,
 * under the condition the finding names. The outcome must be the one the finding predicts —
 * 401 "Session has timed out" from the node that did not start the login, success, or 503.
 */
type Outcome = 'success' | 'timed-out' | 503 | 'bad-host';

interface Case {
  file: string;
  errors: LbFindingId[];
  warnings?: LbFindingId[];
  /** The lab run: settings, and what happens between the two steps. */
  lab?: { publicHost?: string; https?: boolean };
  origin?: string;
  between?: { advanceMs?: number; changeIp?: boolean };
  /** Expected outcome; 'model' = what routing amlbcookie=01 through the same model predicts. */
  outcome: Outcome | 'model';
}

const CASES: Case[] = [
  { file: 'haproxy/sticky-amlbcookie.cfg', errors: [], warnings: [], outcome: 'success' },
  { file: 'haproxy/roundrobin-redispatch.cfg', errors: ['no-persistence'], warnings: ['redispatch-without-stickiness'], outcome: 'timed-out' },
  { file: 'haproxy/jsessionid-prefix.cfg', errors: ['cookie-never-set'], outcome: 'timed-out' },
  { file: 'haproxy/server-cookie-mismatch.cfg', errors: ['server-cookie-mismatch'], outcome: 'timed-out' },
  { file: 'haproxy/server-cookie-swapped.cfg', errors: [], warnings: ['server-cookie-order'], outcome: 'timed-out' },
  { file: 'haproxy/insert-secure-http.cfg', errors: ['cookie-secure-over-http'], lab: { publicHost: 'am.example.com' }, outcome: 'timed-out' },
  { file: 'haproxy/insert-secure-http.cfg', errors: ['cookie-secure-over-http'], lab: { publicHost: 'am.example.com', https: true }, outcome: 'success' },
  { file: 'haproxy/insert-https.cfg', errors: [], warnings: ['balancer-cookie'], lab: { publicHost: 'am.example.com', https: true }, origin: 'https://app.example.org', outcome: 'success' },
  { file: 'haproxy/insert-domain.cfg', errors: [], warnings: ['cookie-domain', 'samesite-cross-site', 'balancer-cookie'], lab: { publicHost: 'am.example.com' }, outcome: 'timed-out' },
  { file: 'haproxy/balance-source.cfg', errors: [], warnings: ['source-ip'], outcome: 'success' },
  { file: 'haproxy/balance-source.cfg', errors: [], warnings: ['source-ip'], between: { changeIp: true }, outcome: 'timed-out' },
  { file: 'haproxy/stick-on-src.cfg', errors: [], warnings: ['source-ip'], between: { changeIp: true }, outcome: 'timed-out' },
  { file: 'haproxy/hash-amlbcookie.cfg', errors: ['hash-of-cookie'], outcome: 'model' },
  { file: 'haproxy/stick-on-req-cook.cfg', errors: ['stick-on-request-cookie'], outcome: 'timed-out' },
  { file: 'haproxy/httpchk-root.cfg', errors: ['health-check-path'], outcome: 503 },
  { file: 'haproxy/appsession.cfg', errors: ['rejected', 'no-persistence'], outcome: 'timed-out' },
  { file: 'nginx/map-amlbcookie.conf', errors: [], warnings: [], outcome: 'success' },
  { file: 'nginx/roundrobin.conf', errors: ['no-persistence'], outcome: 'timed-out' },
  // The reference's lab check with nginx 1.22: `hash $cookie_amlbcookie` over two servers sends 01 to server 02.
  { file: 'nginx/hash-amlbcookie.conf', errors: ['hash-of-cookie'], outcome: 'timed-out' },
  { file: 'nginx/ip-hash.conf', errors: [], warnings: ['source-ip'], outcome: 'success' },
  { file: 'nginx/sticky-cookie.conf', errors: [], warnings: ['samesite-cross-site', 'balancer-cookie'], outcome: 'success' },
  { file: 'nginx/sticky-route-mismatch.conf', errors: ['server-cookie-mismatch'], outcome: 'timed-out' },
  { file: 'nginx/sticky-learn-session.conf', errors: ['cookie-set-after-login'], outcome: 'timed-out' },
  { file: 'nginx/cookie-path.conf', errors: ['cookie-path'], outcome: 'timed-out' },
  // The location's own proxy_set_header line hides the server block's Host: nginx sends Host: openam.
  { file: 'nginx/no-host-header.conf', errors: ['upstream-host'], outcome: 'bad-host' },
  { file: 'ingress/persistent.yaml', errors: [], warnings: ['samesite-cross-site', 'balancer-cookie'], lab: { publicHost: 'am.example.com' }, outcome: 'success' },
  // balanced breaks only when pods scale mid-login: lbRuntime.test.ts scales out between the steps.
  { file: 'ingress/balanced.yaml', errors: [], warnings: ['ingress-balanced', 'balancer-cookie'], lab: { publicHost: 'am.example.com' }, outcome: 'success' },
  { file: 'ingress/regex-path.yaml', errors: ['cookie-path'], outcome: 'timed-out' },
  { file: 'ingress/samesite-lax.yaml', errors: [], warnings: ['samesite-cross-site'], lab: { publicHost: 'am.example.com', https: true }, origin: 'https://app.example.com', outcome: 'success' },
  { file: 'ingress/samesite-lax.yaml', errors: [], warnings: ['samesite-cross-site'], lab: { publicHost: 'am.example.com', https: true }, origin: 'https://app.example.org', outcome: 'timed-out' },
  { file: 'ingress/samesite-none-http.yaml', errors: ['samesite-none-without-secure'], lab: { publicHost: 'am.example.com' }, outcome: 'timed-out' },
  { file: 'ingress/no-affinity.yaml', errors: ['no-persistence'], outcome: 'timed-out' },
  { file: 'ingress/hash-by-amlbcookie.yaml', errors: ['hash-of-cookie'], outcome: 'model' },
  { file: 'alb/lb-cookie.json', errors: [], warnings: ['balancer-cookie'], between: { advanceMs: 61_000 }, outcome: 'success' },
  { file: 'alb/lb-cookie-60s.json', errors: ['alb-duration'], between: { advanceMs: 61_000 }, outcome: 'timed-out' },
  { file: 'alb/lb-cookie-60s.json', errors: ['alb-duration'], between: { advanceMs: 30_000 }, outcome: 'success' },
  { file: 'alb/app-cookie-session.json', errors: ['cookie-set-after-login'], outcome: 'timed-out' },
  { file: 'alb/app-cookie-amlbcookie.json', errors: [], outcome: 'success' },
  { file: 'alb/disabled.json', errors: ['no-persistence'], outcome: 'timed-out' },
  { file: 'alb/health-root.json', errors: ['health-check-path'], outcome: 503 },
  { file: 'f5/cookie-insert.txt', errors: [], warnings: ['balancer-cookie'], outcome: 'success' },
  { file: 'f5/cookie-passive-amlbcookie.txt', errors: ['server-cookie-mismatch'], outcome: 'timed-out' },
  { file: 'f5/cookie-rewrite.txt', errors: ['cookie-never-set'], outcome: 'timed-out' },
  { file: 'f5/cookie-hash-amlbcookie.txt', errors: ['hash-of-cookie'], outcome: 'model' },
  { file: 'f5/source-addr.txt', errors: [], warnings: ['source-ip'], between: { changeIp: true }, outcome: 'timed-out' },
  { file: 'f5/monitor-root.txt', errors: ['health-check-path'], outcome: 503 },
];

const text = (file: string) => readFileSync(`test/fixtures/lb/${file}`, 'utf8');

/** Step 1 and step 2 of a chain login, with whatever the case does in between. */
async function chainLogin(lab: Lab, b: VirtualBrowser, between: Case['between']) {
  const first = await b.startLogin();
  expect(first.kind, 'step 1 answers with callbacks').toBe('callbacks');
  if (first.kind !== 'callbacks') throw new Error('no callbacks');
  if (between?.advanceMs) await lab.advanceClock(between.advanceMs);
  if (between?.changeIp) b.clientIp = otherIp(lab, b.clientIp);
  const second = await b.submit(first.payload, callbackAnswers(first.payload, ...DEMO));
  const ex = (await exchanges(lab)).filter((e) => e.browser === b.id);
  return { second, nodes: ex.map((e) => e.routing.node) };
}

/** A client address the model sends to another node than `ip` (a proxy farm's next egress address). */
function otherIp(lab: Lab, ip: string): string {
  const model = lab.balancerModel!;
  for (let i = 2; i < 250; i++) {
    const candidate = `127.0.0.${i}`;
    const [a, b] = routeFrom(model, lab.nodes.length, [ip, candidate]);
    if (a !== b) return candidate;
  }
  throw new Error('every address maps to the same node');
}

describe('customer balancer configurations: findings, and the lab running them (two-step chain login)', () => {
  for (const c of CASES) {
    const when = [c.lab?.publicHost && `as ${c.lab.publicHost}`, c.lab?.https && 'over HTTPS', c.origin && `called from ${c.origin}`, c.between?.changeIp && 'client IP changes between the steps', c.between?.advanceMs && `${c.between.advanceMs / 1000} s between the steps`]
      .filter(Boolean)
      .join(', ');
    it(`${c.file}: ${c.errors.join(', ') || 'no error'} → ${c.outcome}${when ? ` (${when})` : ''}`, async () => {
      const model = readBalancerConfig(text(c.file), c.file);
      const findings = checkModel(model);
      expect(findings.filter((f) => f.severity === 'error').map((f) => f.id).sort()).toEqual([...c.errors].sort());
      for (const w of c.warnings ?? []) expect(findings.map((f) => f.id)).toContain(w);
      if (c.warnings?.length === 0) expect(findings.filter((f) => f.severity === 'warning')).toEqual([]);

      const lab = await startLab({ nodes: model.servers.length || 2, lbConfig: text(c.file), ...c.lab });
      const b = lab.createBrowser();
      b.appOrigin = c.origin ?? null;
      if (c.outcome === 503) {
        // The balancer's own health check (the file's path) runs first: every node fails it.
        for (const n of lab.nodes) expect(await lab.balancer.probe(n.id)).toBe('down');
        const first = await b.startLogin();
        expect(first.status).toBe(503);
        expect((await exchanges(lab)).at(-1)!.routing.reason).toMatch(/no server can take it/);
        return;
      }
      if (c.outcome === 'bad-host') {
        // OpenAM RealmContextFilter: a Host that is no server name nor in fqdnMap is refused before anything else.
        const first = await b.startLogin();
        expect(first).toMatchObject({ kind: 'failure', status: 400, body: { code: 400, reason: 'Bad Request', message: 'FQDN &quot;openam&quot; is not valid.' } });
        return;
      }
      const { second, nodes } = await chainLogin(lab, b, c.between);
      let expected = c.outcome;
      if (expected === 'model') expected = routeWithCookie(model, lab.nodes.length, 'amlbcookie', '01').node === '01' ? 'success' : 'timed-out';
      if (expected === 'success') {
        expect(second.kind).toBe('success');
        expect(nodes[0]).toBe(nodes[1]);
      } else {
        expect(second.status).toBe(401);
        expect(second.kind === 'failure' && second.body.message).toBe('Session has timed out');
        expect(nodes[1]).not.toBe(nodes[0]);
        expect((await events(lab)).some((e) => e.type === 'auth-session-missed')).toBe(true);
      }
    });
  }
});
