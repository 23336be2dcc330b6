import { describe, expect, it } from 'vitest';
import { LAB_OTP } from '../../main/lab/am/services';
import { parseToken } from '../../main/lab/am/tokens';
import { DEMO, V2, call, events, setCookies, startLab } from './helpers';

/** Authenticate as AM answers it, item by item of issue 12, each with the source it was checked against. */
const AUTH = 'json/realms/root/authenticate';
const zpl = (user: string, pass: string, extra: Record<string, string> = {}) => ({ headers: { ...V2, 'x-openam-username': user, 'x-openam-password': pass, ...extra } });
const tokenOf = (r: { json: unknown }) => (r.json as { tokenId: string }).tokenId;
const cookieNames = (h: Record<string, string | string[] | undefined>) => setCookies(h).map((c) => c.split(';')[0]);

describe('authenticate with a session already present (OpenAM LoginAuthenticator.getLoginProcess, CompletedLoginProcess)', () => {
  it('returns the existing session, creates none, sets no session or amlbcookie cookie, only clears AMAuthCookie (RestAuthenticationHandler.setCookies)', async () => {
    const lab = await startLab({ nodes: 1 });
    const first = await call(lab, 'POST', AUTH, zpl(...DEMO));
    const again = await call(lab, 'POST', AUTH, zpl(...DEMO, { cookie: `iPlanetDirectoryPro=${tokenOf(first)}` }));
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ tokenId: tokenOf(first), successUrl: '/am/console', realm: '/' });
    expect(cookieNames(again.headers)).toEqual(['AMAuthCookie=LOGOUT']);
    expect(again.headers['cache-control']).toBe('no-cache, no-store, must-revalidate');
    expect((await lab.sessionRows()).filter((r) => r.status === 'active')).toHaveLength(1);
    expect(await events(lab, 'session-created')).toHaveLength(1);
    // Callbacks are not even offered: the first call of a callback login already succeeds.
    const cb = await call(lab, 'POST', AUTH, { headers: { ...V2, cookie: `iPlanetDirectoryPro=${tokenOf(first)}` } });
    expect(cb.json).toEqual({ tokenId: tokenOf(first), successUrl: '/am/console', realm: '/' });
  });

  it('with HttpOnly on, the existing session comes back as tokenId "" (AM 7.2 docs, HttpOnly session cookies)', async () => {
    const lab = await startLab({ nodes: 1, httpOnly: true });
    const first = await call(lab, 'POST', AUTH, zpl(...DEMO));
    const again = await call(lab, 'POST', AUTH, zpl(...DEMO, { cookie: `iPlanetDirectoryPro=${tokenOf(first)}` }));
    expect(again.json).toEqual({ tokenId: '', successUrl: '/am/console', realm: '/' });
  });

  it('ForceAuth=true logs in again: a new session replaces the old one (LoginAuthenticator: isSessionUpgrade || isForceAuth)', async () => {
    const lab = await startLab({ nodes: 1 });
    const old = tokenOf(await call(lab, 'POST', AUTH, zpl(...DEMO)));
    const forced = await call(lab, 'POST', `${AUTH}?ForceAuth=true`, zpl(...DEMO, { cookie: `iPlanetDirectoryPro=${old}` }));
    expect(tokenOf(forced)).not.toBe(old);
    expect(cookieNames(forced.headers)).toContain(`iPlanetDirectoryPro=${tokenOf(forced)}`);
    const v = await call(lab, 'POST', 'json/realms/root/sessions?_action=validate', { headers: V2, body: JSON.stringify({ tokenId: old }) });
    expect(v.json).toEqual({ valid: false });
    expect((await events(lab, 'session-terminated')).map((e) => e.data.cause)).toEqual([{ kind: 'upgrade' }]);
    expect((await events(lab, 'session-terminated'))[0]!.message).toContain('replaced by the upgraded session');
  });

  it('sessionUpgradeSSOTokenId: an invalid token is 400 (AuthenticationServiceV1); a higher level runs the MFA tree and upgrades; another user fails with 124', async () => {
    const lab = await startLab({ nodes: 1 });
    const bad = await call(lab, 'POST', `${AUTH}?sessionUpgradeSSOTokenId=nonsense`, { headers: V2 });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ code: 400, reason: 'Bad Request', message: 'Invalid session ID.' });
    const old = tokenOf(await call(lab, 'POST', AUTH, zpl(...DEMO)));
    const up = `${AUTH}?authIndexType=level&authIndexValue=10&sessionUpgradeSSOTokenId=${encodeURIComponent(old)}`;
    let step = (await call(lab, 'POST', up, { headers: V2 })).json as { authId: string; callbacks: { input?: { name: string; value: unknown }[] }[] };
    expect(step.callbacks.map((c) => (c as { type?: string }).type)).toEqual(['NameCallback', 'PasswordCallback']);
    const answer = (s: typeof step, values: unknown[]) => JSON.stringify({ ...s, callbacks: s.callbacks.map((c, i) => (c.input ? { ...c, input: [{ ...c.input[0], value: values[i] }] } : c)) });
    step = (await call(lab, 'POST', up, { headers: V2, body: answer(step, [...DEMO]) })).json as typeof step;
    step = (await call(lab, 'POST', up, { headers: V2, body: answer(step, [null, 0]) })).json as typeof step;
    const done = await call(lab, 'POST', up, { headers: V2, body: answer(step, [null, LAB_OTP]) });
    expect(done.status).toBe(200);
    const upgraded = tokenOf(done);
    expect(upgraded).not.toBe(old);
    const info = await call(lab, 'POST', 'json/realms/root/sessions?_action=getSessionProperties', {
      headers: { 'accept-api-version': 'resource=3.1', 'content-type': 'application/json', iPlanetDirectoryPro: upgraded },
      body: '{}',
    });
    expect(info.json).toMatchObject({ AMCtxId: expect.any(String) });
    expect(((await call(lab, 'POST', 'json/realms/root/sessions?_action=validate', { headers: V2, body: JSON.stringify({ tokenId: old }) })).json as { valid: boolean }).valid).toBe(false);
    // amadmin's session cannot be "upgraded" by demo's credentials.
    const admin = tokenOf(await call(lab, 'POST', AUTH, zpl('amadmin', lab.users.adminPassword)));
    const other = await call(lab, 'POST', `${AUTH}?ForceAuth=true&sessionUpgradeSSOTokenId=${encodeURIComponent(admin)}`, zpl(...DEMO));
    expect(other.json).toEqual({ code: 400, reason: 'Bad Request', message: 'Session Upgrade fails since user is different than original authenticated user' });
  });
});

describe('the chain page timeout and the 110 response', () => {
  it('a chain login answered after 120 s is 110 (DataStore module timeout="120", LoginState.checkLoginTimeout); before, it succeeds', async () => {
    const lab = await startLab({ nodes: 1 });
    const b = lab.createBrowser();
    const fast = await b.startLogin();
    if (fast.kind !== 'callbacks') throw new Error('expected callbacks');
    await lab.advanceClock(119_000);
    expect((await b.submit(fast.payload, { IDToken1: DEMO[0], IDToken2: DEMO[1] })).kind).toBe('success');
    const slow = await lab.createBrowser().startLogin();
    if (slow.kind !== 'callbacks') throw new Error('expected callbacks');
    await lab.advanceClock(120_000);
    const late = await call(lab, 'POST', AUTH, { headers: V2, body: JSON.stringify(slow.payload) });
    expect(late.json).toEqual({ code: 401, reason: 'Unauthorized', message: 'Session has timed out' });
  });

  it('a 110 clears AMAuthCookie and amlbcookie=LOGOUT, for chains and trees (AuthUtils.getAuthContext → clearAllCookies → clearlbCookie)', async () => {
    const lab = await startLab({ nodes: 2, policy: 'round-robin' });
    for (const q of ['', '?authIndexType=service&authIndexValue=Login']) {
      const step = (await call(lab, 'POST', AUTH + q, { headers: V2 })).json;
      const miss = await call(lab, 'POST', AUTH + q, { headers: V2, body: JSON.stringify(step) });
      expect(miss.status).toBe(401);
      expect(setCookies(miss.headers)).toEqual([
        'AMAuthCookie=LOGOUT; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
        'amlbcookie=LOGOUT; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
      ]);
    }
  });

  it('every authenticate 200, callbacks included, carries Cache-Control/Pragma/Expires (AuthenticationServiceV1.createResponse)', async () => {
    const lab = await startLab({ nodes: 1 });
    const step = await call(lab, 'POST', AUTH, { headers: V2 });
    expect([step.headers['cache-control'], step.headers.pragma, step.headers.expires]).toEqual(['no-cache, no-store, must-revalidate', 'no-cache', '0']);
  });
});

describe('authIndexType (OpenAM AuthIndexType.getAuthIndexType, LoginAuthenticator.startLoginProcess)', () => {
  it('module=Application logs an agent in with its profile; module=DataStore runs the module alone; an unknown module is 126', async () => {
    const lab = await startLab({ nodes: 1, agents: { 'web-agent-1': { password: 'Agent-Secret1' } } });
    const agent = await call(lab, 'POST', `${AUTH}?authIndexType=module&authIndexValue=Application`, zpl('web-agent-1', 'Agent-Secret1'));
    expect(agent.status).toBe(200);
    expect(parseToken(tokenOf(agent))).toBeDefined();
    const userAsAgent = await call(lab, 'POST', `${AUTH}?authIndexType=module&authIndexValue=Application`, zpl(...DEMO));
    expect(userAsAgent.json).toEqual({ code: 401, reason: 'Unauthorized', message: 'Authentication Failed' });
    const ds = (await call(lab, 'POST', `${AUTH}?authIndexType=module_instance&authIndexValue=DataStore`, { headers: V2 })).json as { stage: string };
    expect(ds.stage).toBe('DataStore1');
    const none = await call(lab, 'POST', `${AUTH}?authIndexType=module&authIndexValue=RADIUS`, { headers: V2 });
    expect(none.json).toEqual({ code: 404, reason: 'Not Found', message: 'Authentication Module Not Found.' });
  });

  it('level picks a service strong enough (the MFA tree for 10); a level nothing reaches is 119 "Invalid Auth Level."', async () => {
    const lab = await startLab({ nodes: 1 });
    const ten = (await call(lab, 'POST', `${AUTH}?authIndexType=level&authIndexValue=10`, { headers: V2 })).json as { authId: string };
    expect(JSON.parse(Buffer.from(ten.authId.split('.')[1]!, 'base64url').toString())).toMatchObject({ authIndexType: 'level', authIndexValue: '10' });
    const high = await call(lab, 'POST', `${AUTH}?authIndexType=level&authIndexValue=99`, { headers: V2 });
    expect(high.json).toEqual({ code: 400, reason: 'Bad Request', message: 'Invalid Auth Level.' });
  });

  it('composite_advice reads the policy advice XML; user and role check who logged in; a value without a type is ignored; an unknown type is 400', async () => {
    const lab = await startLab({ nodes: 1 });
    const advice = encodeURIComponent('<Advices><AttributeValuePair><Attribute name="AuthenticateToServiceConditionAdvice"/><Value>/:Example</Value></AttributeValuePair></Advices>');
    const ex = (await call(lab, 'POST', `${AUTH}?authIndexType=composite_advice&authIndexValue=${advice}`, { headers: V2 })).json as { callbacks: unknown[] };
    expect(ex.callbacks).toHaveLength(1); // the Example tree asks for the user name alone
    expect((await call(lab, 'POST', `${AUTH}?authIndexType=user&authIndexValue=demo`, zpl(...DEMO))).status).toBe(200);
    const wrongUser = await call(lab, 'POST', `${AUTH}?authIndexType=user&authIndexValue=amadmin`, zpl(...DEMO));
    expect(wrongUser.status).toBe(401);
    const role = await call(lab, 'POST', `${AUTH}?authIndexType=role&authIndexValue=ui-global-admin`, zpl(...DEMO));
    expect(role.json).toEqual({ code: 401, reason: 'Unauthorized', message: 'User does not belong to Role' });
    const ignored = (await call(lab, 'POST', `${AUTH}?authIndexValue=Example`, { headers: V2 })).json as { stage: string };
    expect(ignored.stage).toBe('DataStore1'); // the realm's default chain, not the Example tree
    const unknown = await call(lab, 'POST', `${AUTH}?authIndexType=banana&authIndexValue=x`, { headers: V2 });
    expect(unknown.json).toEqual({ code: 400, reason: 'Bad Request', message: 'Unknown Authentication Index Type' });
  });
});

describe('goto and gotoOnFail (RedirectUrlValidator.getRedirectUrl, RestAuthenticationHandler)', () => {
  it('a valid goto becomes successUrl; an invalid or not allowlisted one falls back; gotoOnFail becomes detail.failureUrl', async () => {
    const lab = await startLab({ nodes: 1, gotoAllowlist: ['https://app.example.com/*'] });
    const ok = await call(lab, 'POST', `${AUTH}?goto=${encodeURIComponent('https://app.example.com/home')}`, zpl(...DEMO));
    expect(ok.json).toMatchObject({ successUrl: 'https://app.example.com/home' });
    for (const bad of ['https://evil.example/', 'javascript:alert(1)']) {
      const r = await call(lab, 'POST', `${AUTH}?goto=${encodeURIComponent(bad)}&ForceAuth=true`, zpl(...DEMO));
      expect(r.json).toMatchObject({ successUrl: '/am/console' });
    }
    const relative = await call(lab, 'POST', `${AUTH}?goto=${encodeURIComponent('/am/XUI/#profile')}&ForceAuth=true`, zpl(...DEMO));
    expect(relative.json).toMatchObject({ successUrl: '/am/XUI/#profile' });
    const failChain = await call(lab, 'POST', `${AUTH}?gotoOnFail=${encodeURIComponent('https://app.example.com/denied')}`, zpl('demo', 'wrong'));
    expect(failChain.json).toEqual({ code: 401, reason: 'Unauthorized', message: 'Authentication Failed', detail: { failureUrl: 'https://app.example.com/denied' } });
    const failTree = await call(lab, 'POST', `${AUTH}?authIndexType=service&authIndexValue=Example&gotoOnFail=${encodeURIComponent('https://evil.example/')}`, zpl('demo', 'wrong'));
    expect(failTree.json).toEqual({ code: 401, reason: 'Unauthorized', message: 'Login failure', detail: { failureUrl: '' } });
  });
});

describe('zero-page login on trees (Zero Page Login Collector node)', () => {
  it('the Example tree, which starts with the collector, logs in from the headers; the Login tree ignores them and asks', async () => {
    const lab = await startLab({ nodes: 1, auth: 'tree' });
    const example = await call(lab, 'POST', `${AUTH}?authIndexType=service&authIndexValue=Example`, zpl(...DEMO));
    expect(example.json).toMatchObject({ tokenId: expect.any(String), realm: '/' });
    const login = await call(lab, 'POST', AUTH, zpl(...DEMO));
    expect(login.json).toMatchObject({ authId: expect.any(String), callbacks: [{ type: 'NameCallback' }, { type: 'PasswordCallback' }] });
    expect((await lab.sessionRows()).filter((r) => r.status === 'active')).toHaveLength(1);
  });
});

describe('HttpOnly by profile (com.sun.identity.cookie.httponly; AM 7.2 and 8 docs, HttpOnly session cookies)', () => {
  it('7.0–7.4: off unless opted in, and the fresh login still returns the token; 7.5 and 8: on, tokenId ""', async () => {
    const cases = [
      { opts: { profile: '7' as const }, httpOnly: false, tokenInBody: true },
      { opts: { profile: '7' as const, httpOnly: true }, httpOnly: true, tokenInBody: true },
      { opts: { profile: '7.5' as const }, httpOnly: true, tokenInBody: false },
      { opts: { profile: '8' as const }, httpOnly: true, tokenInBody: false },
      { opts: { profile: '6.5' as const }, httpOnly: false, tokenInBody: true },
    ];
    for (const c of cases) {
      const lab = await startLab({ nodes: 1, ...c.opts });
      const r = await call(lab, 'POST', AUTH, zpl(...DEMO));
      const cookie = setCookies(r.headers).find((s) => s.startsWith('iPlanetDirectoryPro='))!;
      expect(cookie.endsWith('; HttpOnly'), JSON.stringify(c.opts)).toBe(c.httpOnly);
      expect(tokenOf(r) !== '', JSON.stringify(c.opts)).toBe(c.tokenInBody);
    }
  });
});

describe('account lockout (ISAccountLockout; amAuth.properties 112) and session quotas (amSession.xml; 115)', () => {
  it('memory lockout counts on each server: locked on the node that saw the failures, not on the other (a non-sticky balancer ticket)', async () => {
    const lab = await startLab({ nodes: 2, lockoutMode: 'memory', lockoutThreshold: 3, lockoutDuration: 5 });
    const [n1, n2] = lab.nodes;
    const direct = (url: string, user: string, pass: string) => fetch(`${url}/${AUTH}`, { method: 'POST', headers: { ...V2, 'x-openam-username': user, 'x-openam-password': pass } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await (await direct(n1!.url, 'demo', 'wrong')).json());
    expect(statuses.map((s) => (s as { message: string }).message)).toEqual(['Authentication Failed', 'Authentication Failed', 'Your account has been locked.']);
    expect(await (await direct(n1!.url, ...DEMO)).json()).toEqual({ code: 401, reason: 'Unauthorized', message: 'Your account has been locked.' });
    expect((await direct(n2!.url, ...DEMO)).status).toBe(200);
    await lab.advanceClock(5 * 60_000);
    expect((await direct(n1!.url, ...DEMO)).status).toBe(200);
  });

  it('persistent lockout is seen by every server', async () => {
    const lab = await startLab({ nodes: 3, lockoutMode: 'persistent', lockoutThreshold: 2 });
    await call(lab, 'POST', AUTH, zpl('demo', 'wrong'));
    await call(lab, 'POST', AUTH, zpl('demo', 'wrong'));
    for (let i = 0; i < 3; i++) expect(((await call(lab, 'POST', AUTH, zpl(...DEMO))).json as { message: string }).message).toBe('Your account has been locked.');
    expect(await lab.cts.count('GENERIC')).toBe(1);
  });

  it('DENY_ACCESS refuses the login past the limit with 115; DESTROY_OLDEST ends the oldest session instead', async () => {
    const deny = await startLab({ nodes: 1, sessionQuotaEnabled: true, sessionQuotaLimit: 2, sessionQuotaAction: 'DENY_ACCESS' });
    for (let i = 0; i < 2; i++) expect((await call(deny, 'POST', AUTH, zpl(...DEMO))).status).toBe(200);
    expect((await call(deny, 'POST', AUTH, zpl(...DEMO))).json).toEqual({ code: 401, reason: 'Unauthorized', message: 'You have reached your session limit.' });
    const oldest = await startLab({ nodes: 1, sessionQuotaEnabled: true, sessionQuotaLimit: 2, sessionQuotaAction: 'DESTROY_OLDEST' });
    const first = tokenOf(await call(oldest, 'POST', AUTH, zpl(...DEMO)));
    await oldest.advanceClock(1000);
    await call(oldest, 'POST', AUTH, zpl(...DEMO));
    await call(oldest, 'POST', AUTH, zpl(...DEMO));
    expect(((await call(oldest, 'POST', 'json/realms/root/sessions?_action=validate', { headers: V2, body: JSON.stringify({ tokenId: first }) })).json as { valid: boolean }).valid).toBe(false);
    expect((await oldest.sessionRows()).filter((r) => r.status === 'active')).toHaveLength(2);
  });
});

describe('the MFA-like tree: TextOutputCallback, ChoiceCallback and RedirectCallback (OpenAM callbackhandlers/*)', () => {
  it('answers in AM JSON, takes the choice by index, checks the code, and fails when the partner redirect is posted back unanswered', async () => {
    const lab = await startLab({ nodes: 1 });
    const q = `${AUTH}?authIndexType=service&authIndexValue=MFA`;
    type Step = { authId: string; callbacks: { type: string; output: { name: string; value: unknown }[]; input?: { name: string; value: unknown }[] }[] };
    const post = async (body?: unknown) => call(lab, 'POST', q, { headers: V2, body: body === undefined ? undefined : JSON.stringify(body) });
    const fill = (s: Step, values: Record<string, unknown>) => ({ ...s, callbacks: s.callbacks.map((c) => (c.input ? { ...c, input: c.input.map((i) => (i.name in values ? { ...i, value: values[i.name] } : i)) } : c)) });
    const start = async () => {
      const first = (await post()).json as Step;
      return (await post(fill(first, { IDToken1: DEMO[0], IDToken2: DEMO[1] }))).json as Step;
    };
    const choice = await start();
    expect(choice.callbacks[0]).toEqual({ type: 'TextOutputCallback', output: [{ name: 'message', value: 'A second factor is required.' }, { name: 'messageType', value: '0' }], _id: 0 });
    expect(choice.callbacks[1]).toEqual({
      type: 'ChoiceCallback',
      output: [{ name: 'prompt', value: 'Send the one-time code by' }, { name: 'choices', value: ['Email', 'SMS', 'Partner approval'] }, { name: 'defaultChoice', value: 0 }],
      input: [{ name: 'IDToken2', value: 0 }],
      _id: 1,
    });
    const code = (await post(fill(choice, { IDToken2: 1 }))).json as Step;
    expect(code.callbacks.map((c) => c.type)).toEqual(['TextOutputCallback', 'PasswordCallback']);
    expect((await post(fill(code, { IDToken2: '000000' }))).json).toEqual({ code: 401, reason: 'Unauthorized', message: 'Login failure', detail: { failureUrl: '' } });
    const again = (await post(fill(await start(), { IDToken2: 0 }))).json as Step;
    expect((await post(fill(again, { IDToken2: LAB_OTP }))).json).toMatchObject({ tokenId: expect.any(String) });
    const redirect = (await post(fill(await start(), { IDToken2: 2 }))).json as Step;
    expect(redirect.callbacks).toEqual([
      { type: 'RedirectCallback', output: [{ name: 'redirectUrl', value: 'https://mfa-partner.example.invalid/approve' }, { name: 'redirectMethod', value: 'GET' }, { name: 'trackingCookie', value: false }], _id: 0 },
    ]);
    expect((await post(redirect)).status).toBe(401);
  });
});
