import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackAnswers, type AuthPayload, type LoginStep } from '../../main/contract/browser';
import { DEMO_USER } from '../../main/lab/config';
import { Lab } from '../../main/lab/lab';
import { diagnose, explain, type Finding } from '../../main/lab/trace/diagnose';
import { exportHar, type LabHar } from '../../main/lab/trace/har';
import { importHar } from '../../main/lab/trace/harImport';
import { validateHar } from '../../main/lab/trace/harSchema';
import type { LabEvent, TraceExchange, TraceItem } from '../../main/lab/trace/types';
import { leaks, traceSecrets } from '../fixtures/har/scan';

/**
 * A real lab run through the balancer on 127.0.0.1 — the seed 401 (with and without amlbcookie),
 * sticky chains, a tree with client-side auth sessions, client-based sessions, zero-page logins
 * with X-OpenAM-Password, validate, logout, admin termination, idle expiry, a wrong password and a
 * node killed mid-login — then exported, scanned for secrets, validated, imported back, diagnosed.
 */
let lab: Lab;
let items: TraceItem[];
const ids: Record<string, string> = {};

const { username: USER, password: PASSWORD } = DEMO_USER;
function payloadOf(step: LoginStep): AuthPayload {
  if (step.kind !== 'callbacks') throw new Error(`expected callbacks, got ${step.kind} ${step.status}`);
  return step.payload;
}
const answers = (s: LoginStep) => callbackAnswers(payloadOf(s), USER, PASSWORD);

beforeAll(async () => {
  lab = await Lab.start({ nodes: 3 });
  // The seed, as a client that lost its cookies: step 2 carries no amlbcookie; round-robin moves it.
  const lost = lab.createBrowser('lost cookies');
  const s1 = await lost.startLogin();
  await lost.clearCookies();
  expect((await lost.submit(payloadOf(s1), answers(s1))).status).toBe(401);
  ids.lost = lost.id;
  // The seed as browsers see it: amlbcookie sent, but the balancer is not sticky.
  const rr = lab.createBrowser('round-robin');
  expect((await rr.login(USER, PASSWORD)).outcome.status).toBe(401);
  ids.rr = rr.id;
  // Stickiness on: the chain works; validate, session info, logout.
  await lab.configure({ policy: 'sticky' });
  const sticky = lab.createBrowser('sticky');
  expect((await sticky.login(USER, PASSWORD)).outcome.kind).toBe('success');
  expect((await sticky.validate()).body).toMatchObject({ valid: true });
  await sticky.sessionInfo();
  expect((await sticky.logout()).body).toEqual({ result: 'Successfully logged out' });
  ids.sticky = sticky.id;
  // A tree with client-side auth sessions behind round-robin: steps cross nodes and still succeed.
  await lab.configure({ policy: 'round-robin', auth: 'tree', authSessions: 'client' });
  const tree = lab.createBrowser('tree client-side');
  expect((await tree.login(USER, PASSWORD, { service: 'Example' })).outcome.kind).toBe('success');
  // Client-based sessions (the JWT rides inside iPlanetDirectoryPro), sticky chain, validate, logout.
  await lab.configure({ policy: 'sticky', auth: 'chain', sessions: 'client' });
  const client = lab.createBrowser('client-based');
  expect((await client.login(USER, PASSWORD)).outcome.kind).toBe('success');
  expect((await client.validate()).body).toMatchObject({ valid: true });
  await client.logout();
  // Zero-page logins with X-OpenAM-Password; the admin terminates the session by handle.
  await lab.configure({ sessions: 'cts' });
  const zpl = lab.createBrowser('zero-page');
  const earlier = new Set((await lab.sessionRows()).map((r) => r.handle));
  expect((await zpl.zeroPageLogin(USER, PASSWORD)).kind).toBe('success');
  const row = (await lab.sessionRows()).find((r) => r.status === 'active' && !earlier.has(r.handle))!;
  expect(await lab.terminateSession(row.handle)).toBe(true);
  expect((await zpl.validate()).body).toEqual({ valid: false });
  ids.zpl = zpl.id;
  // A wrong password.
  const wrong = lab.createBrowser('wrong password');
  expect((await wrong.login(USER, 'not-the-password')).outcome.status).toBe(401);
  // Idle expiry: the lab clock jumps past max idle time; the next validate finds the session gone.
  const idle = lab.createBrowser('idle');
  expect((await idle.login(USER, PASSWORD)).outcome.kind).toBe('success');
  await lab.advanceClock(31 * 60_000);
  await lab.reap();
  expect((await idle.validate()).body).toEqual({ valid: false });
  ids.idle = idle.id;
  // The sticky node dies between the two steps of an in-memory chain login.
  const doomed = lab.createBrowser('node killed');
  const d1 = await doomed.startLogin();
  const home = (await doomed.cookies()).find((c) => c.name === 'amlbcookie')!.value;
  await lab.killNode(home);
  expect((await doomed.submit(payloadOf(d1), answers(d1))).status).toBe(401);
  await lab.restartNode(home);
  ids.doomed = doomed.id;
  ids.home = home;
  await lab.settle();
  items = lab.recorder.items();
}, 30_000);

afterAll(async () => {
  await lab?.stop();
});

const exchanges = () => items.filter((i): i is TraceExchange => i.kind === 'exchange');
const entriesOf = (h: LabHar) => h.log.entries as (LabHar['log']['entries'][number] & Record<string, unknown>)[];

describe('HAR export of a real lab run', () => {
  it('validates against the HAR 1.2 schema, redacted and not', () => {
    for (const redact of [true, false]) expect(validateHar(exportHar(items, { redact })).errors).toEqual([]);
    expect(validateHar(exportHar(items, { browser: ids.rr })).errors).toEqual([]);
  });

  it('keeps real timings, time order, one page per virtual browser, and the lab fields on every entry', () => {
    const har = exportHar(items);
    const ents = entriesOf(har);
    const byId = new Map(exchanges().map((e) => [e.id, e]));
    expect(ents).toHaveLength(exchanges().length);
    const starts = ents.map((e) => Date.parse(e.startedDateTime));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    for (const e of ents) {
      const ex = byId.get(e._exchangeId as string)!;
      expect(e.timings).toMatchObject({ blocked: -1, dns: -1, connect: -1, ssl: -1, send: ex.timings.send, wait: ex.timings.wait, receive: ex.timings.receive });
      expect(e.time).toBe(ex.timings.total);
      expect(e._node).toBe(ex.routing.node);
      expect((e._routing as { reason: string }).reason).toBe(ex.routing.reason);
      expect(e._labTime).toMatchObject({ start: ex.labStart, end: ex.labEnd });
      expect(e.pageref).toBe(`page_${ex.browser ?? 'other'}`);
    }
    const browsers = new Set(exchanges().map((e) => e.browser ?? 'other'));
    expect(har.log.pages!.map((p) => p.id).sort()).toEqual([...browsers].map((b) => `page_${b}`).sort());
    expect(har.log.creator.name).toBe('AM Session Lab');
  });

  it('carries no password, SSO token, AMAuthCookie value, authId or session handle of the run, in any encoding', () => {
    const secrets = traceSecrets(items, [PASSWORD, lab.info().admin.password]);
    // The scan must see real secrets in the unredacted file, or it proves nothing.
    const raw = JSON.stringify(exportHar(items, { redact: false }));
    expect(secrets.size).toBeGreaterThan(30);
    expect(leaks(raw, secrets).length).toBeGreaterThan(secrets.size);
    const text = JSON.stringify(exportHar(items));
    expect(leaks(text, secrets)).toEqual([]);
    expect(text).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(text).not.toMatch(/\*AAJTSQ/);
    expect(text).not.toMatch(/shandle:/);
    expect(text).not.toContain(lab.info().admin.password);
  });

  it('keeps correlation: one token → one pseudonym in Set-Cookie, later Cookie headers and tokenId; two sessions → two', () => {
    const raw = entriesOf(exportHar(items, { redact: false }));
    const red = entriesOf(exportHar(items));
    const logins = raw.filter((e) => e.response.headers.some((h) => /^iPlanetDirectoryPro=[^";]/.test(h.value)));
    expect(logins.length).toBeGreaterThanOrEqual(4);
    const labels = new Set<string>();
    for (const login of logins) {
      const token = /^iPlanetDirectoryPro=([^;]+)/.exec(login.response.headers.find((h) => h.value.startsWith('iPlanetDirectoryPro='))!.value)![1]!;
      const i = raw.indexOf(login);
      const label = /^iPlanetDirectoryPro=(REDACTED-SSO-\d+@\d\d);/.exec(red[i]!.response.headers.find((h) => h.value.startsWith('iPlanetDirectoryPro='))!.value)![1]!;
      expect(label.endsWith(`@${login._node}`)).toBe(true);
      labels.add(label);
      const body = JSON.parse(red[i]!.response.content.text!) as { tokenId?: string };
      if (body.tokenId) expect(body.tokenId).toBe(label);
      let later = 0;
      raw.forEach((e, j) => {
        const cookie = e.request.headers.find((h) => h.name === 'cookie')?.value ?? '';
        if (j <= i || !cookie.includes(token)) return;
        later++;
        expect(red[j]!.request.headers.find((h) => h.name === 'cookie')!.value).toContain(`iPlanetDirectoryPro=${label}`);
      });
      if (login._browser === ids.sticky) expect(later).toBeGreaterThanOrEqual(3);
    }
    expect(labels.size).toBe(logins.length);
  });

  it('keeps the evidence: amlbcookie values, cookie attributes, logout sentinels, per-rule counts', () => {
    const raw = entriesOf(exportHar(items, { redact: false }));
    const har = exportHar(items);
    const red = entriesOf(har);
    raw.forEach((e, i) => {
      const lb = (h: { name: string; value: string }[]) => h.filter((x) => x.name === 'cookie').map((x) => /(?:^|; )amlbcookie=([^;]*)/.exec(x.value)?.[1] ?? null);
      expect(lb(red[i]!.request.headers)).toEqual(lb(e.request.headers));
      const attrs = (h: { name: string; value: string }[]) => h.filter((x) => x.name === 'set-cookie').map((x) => x.value.replace(/^([^=]+)=[^;]*/, '$1'));
      expect(attrs(red[i]!.response.headers)).toEqual(attrs(e.response.headers));
      for (const c of e.response.headers.filter((h) => h.name === 'set-cookie' && /^(amlbcookie=|[^=]+=(""|LOGOUT);)/.test(h.value))) {
        expect(red[i]!.response.headers.map((h) => h.value)).toContain(c.value);
      }
      for (const c of e.request.cookies.filter((c) => c.name === 'amlbcookie')) expect(red[i]!.request.cookies).toContainEqual(c);
    });
    const counts = har.log._redaction!.counts;
    for (const rule of ['R1', 'R4', 'R5', 'R6', 'R7', 'R9'] as const) expect(counts[rule], rule).toBeGreaterThan(0);
    expect(har.log._redaction!.mode).toBe('redacted');
    const opted = exportHar(items, { redact: false });
    expect(opted.log._redaction!.mode).toBe('none');
    expect(opted.log.comment).toMatch(/^NOT REDACTED/);
  });

  it('exports one virtual browser or a chosen set of exchanges, with the findings that cite them', () => {
    const har = exportHar(items, { browser: ids.lost });
    const ents = entriesOf(har);
    expect(ents.every((e) => e._browser === ids.lost)).toBe(true);
    expect(har.log.pages).toHaveLength(1);
    expect(har.log._diagnosis!.map((f) => f.kind)).toEqual(['auth-session-missed']);
    expect((ents[1]!._diagnosis as Finding[])[0]!.kind).toBe('auth-session-missed');
    expect((ents[0]!._events as LabEvent[]).map((e) => e.type)).toEqual(['auth-session-created']);
    const one = exportHar(items, { exchangeIds: [ents[1]!._exchangeId as string] });
    expect(entriesOf(one)).toHaveLength(1);
  });
});

describe('diagnosis of the run', () => {
  const find = (kind: Finding['kind'], browser?: string) => diagnose(items).filter((f) => f.kind === kind && (!browser || f.browser === browser));

  it('explains the seed 401 in the words of the ticket', () => {
    const [f] = find('auth-session-missed', ids.lost);
    expect(explain(f!)).toMatch(
      /^auth session created on node 0(\d) \(step 1\); step 2 carried no amlbcookie; balancer round-robin picked node 0(?!\1)\d; node 0\d has no auth session for this authId → 401 Session has timed out\. Fix: sticky amlbcookie, or trees with CTS \/ client-side auth sessions\.$/,
    );
    const [g] = find('auth-session-missed', ids.rr);
    expect(g!.evidence[1]).toMatch(/^step 2 carried amlbcookie=0\d$/);
    expect(g!.severity).toBe('error');
  });

  it('names the node that died for the login it broke, and the outage itself', () => {
    const [f] = find('auth-session-missed', ids.doomed);
    expect(f!.sentence).toContain(`after node ${ids.home} went down`);
    expect(f!.evidence).toContain(`node ${ids.home} went down after step 1 (killed by the operator)`);
    const down = find('node-down').filter((x) => x.sentence.startsWith(`Node ${ids.home} went down`));
    expect(down).toHaveLength(1);
    expect(down[0]!.evidence.join('; ')).toMatch(/1 login lost the auth session kept in node \d\d's memory/);
  });

  it('reports admin termination, idle expiry, logout, a wrong password and a login that crossed nodes', () => {
    const admin = find('admin-termination');
    expect(admin).toHaveLength(1);
    expect(admin[0]!.evidence.some((e) => e.includes(`browser ${ids.zpl} presented the ended session`) && /→ 200 \{"valid":false\}$/.test(e))).toBe(true);
    const idle = find('idle-timeout').find((f) => f.exchangeIds.some((id) => exchanges().find((e) => e.id === id)?.browser === ids.idle));
    expect(idle!.sentence).toBe('The session of demo ended after 30 min without activity (max idle time).');
    expect(idle!.evidence.some((e) => /^lab clock advanced by 31 min at \d\d:\d\d:\d\d$/.test(e))).toBe(true);
    expect(idle!.evidence.some((e) => /^max idle time 30 min → deadline \d\d:\d\d:\d\d$/.test(e))).toBe(true);
    expect(find('logout').map((f) => f.browser).sort()).toEqual(expect.arrayContaining([ids.sticky]));
    expect(find('wrong-credentials')[0]!.sentence).toMatch(/^Login of "demo" failed on node \d\d: wrong user name or password \(401 Authentication Failed\)\.$/);
    expect(find('server-changed-mid-login')[0]!.sentence).toMatch(/still succeeded: its auth session is kept in the authId \(client-side\)\.$/);
  });

  it('gives every 401 and every ended session a reason', () => {
    const findings = diagnose(items);
    const cited = new Set(findings.flatMap((f) => f.exchangeIds));
    for (const ex of exchanges().filter((e) => e.response.status === 401)) expect(cited.has(ex.id), `${ex.request.path} → 401`).toBe(true);
    const events = new Set(findings.flatMap((f) => f.eventSeqs));
    for (const e of items.filter((i): i is LabEvent => i.kind === 'event' && i.type === 'session-terminated')) expect(events.has(e.seq), e.message).toBe(true);
  });

  it('round trip: export (redacted) → import → the same diagnosis', () => {
    const before = diagnose(items);
    for (const redact of [true, false]) {
      const imported = importHar(JSON.stringify(exportHar(items, { redact })));
      expect(imported.creator).toBe('AM Session Lab');
      expect(diagnose(imported.items)).toEqual(before);
    }
    const text = JSON.stringify(exportHar(items));
    expect(diagnose(importHar(text).items).find((f) => f.browser === ids.lost && f.kind === 'auth-session-missed')!.evidence[1]).toBe('step 2 carried no amlbcookie');
  });
});
