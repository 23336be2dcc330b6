import { describe, expect, it } from 'vitest';
import { decodeExtensions, parseToken } from '../../main/lab/am/tokens';
import { call, DEMO, exchanges, setCookies, startLab, V2 } from './helpers';

const AUTH = 'json/realms/root/authenticate';
const zpl = (user: string, pass: string, extra: Record<string, string> = V2) => ({ headers: { ...extra, 'x-openam-username': user, 'x-openam-password': pass } });

describe('AM REST conformance (am-rest.md §10)', () => {
  it('1, 29: zero-page login returns tokenId/successUrl/realm in order, no-cache headers, cookies; in a site SI is the site and S1 the issuing server (OpenAM SessionID)', async () => {
    const lab = await startLab({ nodes: 3, profile: '6.5' });
    const r = await call(lab, 'POST', AUTH, zpl(...DEMO));
    expect(r.status).toBe(200);
    expect(Object.keys(r.json as object)).toEqual(['tokenId', 'successUrl', 'realm']);
    expect(r.json).toMatchObject({ successUrl: '/am/console', realm: '/' });
    expect(r.headers['content-api-version']).toBe('protocol=1.0,resource=2.1');
    expect(r.headers['cache-control']).toBe('no-cache, no-store, must-revalidate');
    expect(r.headers.pragma).toBe('no-cache');
    expect(r.headers.expires).toBe('0');
    expect(r.headers['content-type']).toBe('application/json;charset=UTF-8');
    const token = (r.json as { tokenId: string }).tokenId;
    expect(token).toMatch(/^[\w-]{27}\.\*[\w.-]+\*$/);
    const node = (await exchanges(lab))[0]!.routing.node;
    expect(parseToken(token)!.ext).toEqual({ SI: '10', SK: expect.stringMatching(/^[A-Za-z0-9+/]{27}=$/), type: 'CTS', S1: node });
    const cookies = setCookies(r.headers);
    expect(cookies).toContain(`iPlanetDirectoryPro=${token}; Path=/`); // 6.5 profile: no HttpOnly
    expect(cookies).toContain(`amlbcookie=${node}; Path=/`);
  });

  it('15: AM 8 profile returns tokenId "" and the token only in an HttpOnly cookie', async () => {
    const lab = await startLab({ nodes: 1, profile: '8' });
    const r = await call(lab, 'POST', AUTH, zpl(...DEMO));
    expect((r.json as { tokenId: string }).tokenId).toBe('');
    expect(setCookies(r.headers).find((c) => c.startsWith('iPlanetDirectoryPro='))).toMatch(/; HttpOnly$/);
  });

  it('2, 3: wrong password → 401 in the V2 shape, and the legacy V1 shape for resource=1.0; no session created', async () => {
    const lab = await startLab({ nodes: 1 });
    const v2 = await call(lab, 'POST', AUTH, zpl('demo', 'nope'));
    expect(v2.text).toBe('{"code":401,"reason":"Unauthorized","message":"Authentication Failed"}');
    const v1 = await call(lab, 'POST', AUTH, zpl('demo', 'nope', { 'accept-api-version': 'resource=1.0', 'content-type': 'application/json' }));
    expect(v1.status).toBe(401);
    expect(v1.json).toEqual({ errorMessage: 'Authentication Failed' });
    expect(await lab.sessionRows()).toEqual([]);
  });

  it('4, 5: no Accept-API-Version → latest + two Warning headers; resource=3.0 → 404 empty; banana → 400 text', async () => {
    const lab = await startLab({ nodes: 1 });
    const none = await call(lab, 'POST', AUTH, { headers: { 'content-type': 'application/json' } });
    expect(none.status).toBe(200);
    expect(none.headers['content-api-version']).toBe('resource=2.1');
    expect(String(none.headers.warning)).toContain('No Accept-API-Version specified');
    const v3 = await call(lab, 'POST', AUTH, { headers: { 'accept-api-version': 'resource=3.0' } });
    expect(v3.status).toBe(404);
    expect(v3.text).toBe('');
    const banana = await call(lab, 'POST', AUTH, { headers: { 'accept-api-version': 'banana' } });
    expect(banana.status).toBe(400);
    expect(banana.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('6, 8: tree step JSON has _id and IDToken names; chain step has template/stage/header and AMAuthCookie', async () => {
    const lab = await startLab({ nodes: 1 });
    const tree = await call(lab, 'POST', `${AUTH}?authIndexType=service&authIndexValue=Login`, { headers: V2 });
    const t = tree.json as { authId: string; callbacks: unknown[] };
    expect(t.authId.split('.')).toHaveLength(3);
    expect(JSON.parse(Buffer.from(t.authId.split('.')[0]!, 'base64url').toString())).toEqual({ typ: 'JWT', alg: 'HS256' });
    expect(t.callbacks[0]).toEqual({ type: 'NameCallback', output: [{ name: 'prompt', value: 'User Name' }], input: [{ name: 'IDToken1', value: '' }], _id: 0 });
    expect(t.callbacks[1]).toMatchObject({ type: 'PasswordCallback', input: [{ name: 'IDToken2', value: '' }], _id: 1 });
    expect(setCookies(tree.headers)).toContain('amlbcookie=01; Path=/');
    const chain = await call(lab, 'POST', AUTH, { headers: V2 });
    const c = chain.json as Record<string, unknown>;
    expect(Object.keys(c)).toEqual(['authId', 'template', 'stage', 'header', 'infoText', 'callbacks']);
    expect(c.stage).toBe('DataStore1');
    expect((c.callbacks as object[])[0]).not.toHaveProperty('_id');
    expect(setCookies(chain.headers).some((s) => s.startsWith('AMAuthCookie='))).toBe(true);
    // The authId names the auth session and the node that holds it.
    const claims = JSON.parse(Buffer.from((c.authId as string).split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ realm: 'dc=openam,dc=forgerock,dc=org', authIndexType: 'service', authIndexValue: 'ldapService' });
    const ext = decodeExtensions(claims.sessionId.split('*')[1]);
    expect(ext).toMatchObject({ SI: '10', S1: '01' });
  });

  it('12: an authId older than the chain auth timeout gets 401 Session has timed out on the right node', async () => {
    const lab = await startLab({ nodes: 1 });
    const b = lab.createBrowser();
    const step = await b.startLogin();
    if (step.kind !== 'callbacks') throw new Error(`expected callbacks, got ${step.kind}`);
    await lab.advanceClock(4 * 60_000);
    const next = await b.submit(step.payload, { IDToken1: DEMO[0], IDToken2: DEMO[1] });
    expect(next.status).toBe(401);
    expect((next as { body: unknown }).body).toEqual({ code: 401, reason: 'Unauthorized', message: 'Session has timed out' });
  });

  it('13: an authId with a bad signature → 400 AuthId JWT Signature not valid; garbage → 400 Failed to parse JWT', async () => {
    const lab = await startLab({ nodes: 1 });
    const step = (await call(lab, 'POST', AUTH, { headers: V2 })).json as { authId: string };
    const [h, p, s] = step.authId.split('.');
    const forged = `${h}.${p}.${s!.slice(0, -2)}${s!.endsWith('AA') ? 'BB' : 'AA'}`;
    const bad = await call(lab, 'POST', AUTH, { headers: V2, body: JSON.stringify({ ...step, authId: forged }) });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ code: 400, reason: 'Bad Request', message: 'AuthId JWT Signature not valid' });
    const garbage = await call(lab, 'POST', AUTH, { headers: V2, body: JSON.stringify({ authId: 'not-a-jwt' }) });
    expect(garbage.status).toBe(400);
    expect((garbage.json as { message: string }).message).toMatch(/^Failed to parse JWT/);
  });

  it('14: noSession=true authenticates without a session or session cookie', async () => {
    const lab = await startLab({ nodes: 1 });
    const r = await call(lab, 'POST', `${AUTH}?noSession=true`, zpl(...DEMO));
    expect(r.json).toEqual({ successUrl: '/am/console', realm: '/' });
    expect(setCookies(r.headers).some((c) => c.startsWith('iPlanetDirectoryPro='))).toBe(false);
  });

  it('16, 17, 23, 24: admin validate, validate without caller, query by user, logoutByHandle', async () => {
    const lab = await startLab({ nodes: 2 });
    const admin = (await call(lab, 'POST', AUTH, zpl('amadmin', lab.users.adminPassword))).json as { tokenId: string };
    const user = (await call(lab, 'POST', AUTH, zpl(...DEMO))).json as { tokenId: string };
    const v3 = { 'accept-api-version': 'resource=3.0, protocol=1.0', 'content-type': 'application/json' };
    const ok = await call(lab, 'POST', 'json/realms/root/sessions?_action=validate', { headers: { ...v3, iPlanetDirectoryPro: admin.tokenId }, body: JSON.stringify({ tokenId: user.tokenId }) });
    expect(ok.json).toMatchObject({ valid: true, uid: 'demo', realm: '/' });
    expect(Object.keys(ok.json as object)).toEqual(['valid', 'sessionUid', 'uid', 'realm']);
    const anon = await call(lab, 'POST', 'json/realms/root/sessions?_action=validate', { headers: v3, body: JSON.stringify({ tokenId: user.tokenId }) });
    expect(anon.json).toMatchObject({ valid: true });
    const nothing = await call(lab, 'POST', 'json/realms/root/sessions?_action=validate', { headers: v3, body: '{}' });
    expect(nothing.status).toBe(400);
    expect((nothing.json as { message: string }).message).toBe('iPlanetDirectoryCookie not set on request');
    const q = await call(lab, 'GET', `json/realms/root/sessions?_queryFilter=${encodeURIComponent('username eq "demo" and realm eq "/"')}`, { headers: { ...v3, iPlanetDirectoryPro: admin.tokenId } });
    const list = q.json as { result: { sessionHandle: string }[]; resultCount: number };
    expect(list.resultCount).toBe(1);
    expect(list).toMatchObject({ pagedResultsCookie: null, totalPagedResultsPolicy: 'NONE', totalPagedResults: -1, remainingPagedResults: -1 });
    const asUser = await call(lab, 'GET', `json/realms/root/sessions?_queryFilter=true`, { headers: { ...v3, iPlanetDirectoryPro: user.tokenId } });
    expect(asUser.status).toBe(403);
    const handle = list.result[0]!.sessionHandle;
    const byHandle = await call(lab, 'POST', 'json/realms/root/sessions?_action=logoutByHandle', { headers: { ...v3, iPlanetDirectoryPro: admin.tokenId }, body: JSON.stringify({ sessionHandles: [handle] }) });
    expect(byHandle.json).toEqual({ result: { [handle]: true } });
    expect(setCookies(byHandle.headers)).toEqual([]);
    const after = await call(lab, 'POST', 'json/realms/root/sessions?_action=validate', { headers: v3, body: JSON.stringify({ tokenId: user.tokenId }) });
    expect(after.json).toEqual({ valid: false });
    const again = await call(lab, 'POST', 'json/realms/root/sessions?_action=logout', { headers: { ...v3, iPlanetDirectoryPro: admin.tokenId }, body: JSON.stringify({ tokenId: user.tokenId }) });
    expect(again.json).toEqual({ result: 'Token has expired' });
  });

  it('20, 27: SDK-style cookie logout works with its headers; without X-Requested-With and Accept-API-Version it is 403 (CSRF)', async () => {
    const lab = await startLab({ nodes: 1 });
    const tok = ((await call(lab, 'POST', AUTH, zpl(...DEMO))).json as { tokenId: string }).tokenId;
    const csrf = await call(lab, 'POST', 'json/realms/root/sessions/?_action=logout', { headers: { cookie: `iPlanetDirectoryPro=${tok}` } });
    expect(csrf.status).toBe(403);
    const sdk = await call(lab, 'POST', 'json/realms/root/sessions/?_action=logout', { headers: { cookie: `iPlanetDirectoryPro=${tok}`, 'accept-api-version': 'protocol=1.0,resource=2.0', 'x-requested-with': 'forgerock-sdk' } });
    expect(sdk.status).toBe(200);
    expect(sdk.json).toEqual({ result: 'Successfully logged out' });
    expect(sdk.headers['content-api-version']).toBe('protocol=1.0,resource=2.1');
    expect(setCookies(sdk.headers)).toEqual(['iPlanetDirectoryPro=""; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/', 'amlbcookie=LOGOUT; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/']);
  });

  it('28: an unknown action is 501; sub-realms work in the URL form AM uses', async () => {
    const lab = await startLab({ nodes: 1 });
    const tok = ((await call(lab, 'POST', AUTH, zpl(...DEMO))).json as { tokenId: string }).tokenId;
    const r = await call(lab, 'POST', 'json/realms/root/sessions?_action=foo', { headers: { ...V2, iPlanetDirectoryPro: tok } });
    expect(r.status).toBe(501);
    expect(r.json).toEqual({ code: 501, reason: 'Not Implemented', message: 'Action foo not implemented for this resource' });
    const alpha = await call(lab, 'POST', 'json/realms/root/realms/alpha/authenticate', zpl(...DEMO));
    expect(alpha.json).toMatchObject({ realm: '/alpha' });
  });

  it('CORS with credentials for a configured origin, and none for others', async () => {
    const lab = await startLab({ nodes: 1, corsOrigins: ['http://localhost:3000'] });
    const pre = await call(lab, 'OPTIONS', AUTH, { headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'accept-api-version,x-requested-with,content-type' } });
    expect(pre.status).toBe(200);
    expect(pre.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
    expect(String(pre.headers['access-control-allow-headers'])).toContain('accept-api-version');
    const evil = await call(lab, 'OPTIONS', AUTH, { headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('health check endpoint for balancers: /am/isAlive.jsp is an HTML page (openam-server-only/src/main/webapp/isAlive.jsp)', async () => {
    const lab = await startLab({ nodes: 1 });
    const r = await call(lab, 'GET', 'isAlive.jsp');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html;charset=UTF-8');
    expect(r.text).toContain('<h1>Server is ALIVE: </h1>');
  });
});
