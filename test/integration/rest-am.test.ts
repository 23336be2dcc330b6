import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { parseToken } from '../../main/lab/am/tokens';
import { DEMO, V2, call, setCookies, startLab } from './helpers';

/** AM's other REST endpoints and filters, item by item of issue 12, each with the source it was checked against. */
const AUTH = 'json/realms/root/authenticate';
const SESSIONS = 'json/realms/root/sessions';
const zpl = (user: string, pass: string) => ({ headers: { ...V2, 'x-openam-username': user, 'x-openam-password': pass } });
const login = async (lab: Awaited<ReturnType<typeof startLab>>, user: string = DEMO[0], pass: string = DEMO[1]) => ((await call(lab, 'POST', AUTH, zpl(user, pass))).json as { tokenId: string }).tokenId;
const v1 = { 'accept-api-version': 'resource=1.2, protocol=1.0', 'content-type': 'application/json' };

describe('serverinfo, users and health, as XUI, agents and the SDK read them', () => {
  it('GET serverinfo/* needs no session and reports the lab cookie settings (ServerInfoResource.getAllServerInfo); /version and /cookieDomains too', async () => {
    const lab = await startLab({ nodes: 1, sessionCookieName: 'labSSO', profile: '8' });
    const all = await call(lab, 'GET', 'json/serverinfo/*', { headers: { 'accept-api-version': 'resource=1.1', 'accept-language': 'fr-CA,fr;q=0.9' } });
    expect(all.status).toBe(200);
    expect(all.json).toMatchObject({
      _id: '*',
      domains: [],
      cookieName: 'labSSO',
      secureCookie: false,
      cookieHttpOnly: true,
      zeroPageLogin: { enabled: false, refererWhitelist: [], allowedWithoutReferer: true },
      realm: '/',
      lang: 'fr-CA',
      xuiUserSessionValidationEnabled: true,
    });
    const alpha = await call(lab, 'GET', 'json/realms/root/realms/alpha/serverinfo/*');
    expect(alpha.json).toMatchObject({ realm: '/alpha' });
    expect((await call(lab, 'GET', 'json/serverinfo/version')).json).toMatchObject({ _id: 'version', version: '8.0.1' });
    expect((await call(lab, 'GET', 'json/serverinfo/cookieDomains')).json).toMatchObject({ _id: 'cookieDomains', domains: [] });
    const other = await call(lab, 'GET', 'json/serverinfo/nope');
    expect(other.status).toBe(501);
  });

  it('users?_action=idFromSession names the caller; users/{id} reads oneself, an admin reads anyone, others are 403 (IdentityResourceV2)', async () => {
    const lab = await startLab({ nodes: 2 });
    const demo = await login(lab);
    const admin = await login(lab, 'amadmin', lab.users.adminPassword);
    const idf = await call(lab, 'POST', 'json/realms/root/users?_action=idFromSession', { headers: { ...V2, cookie: `iPlanetDirectoryPro=${demo}` }, body: '{}' });
    expect(idf.json).toEqual({ id: 'demo', realm: '/', dn: 'id=demo,ou=user,dc=openam,dc=forgerock,dc=org', successURL: '/am/console', fullLoginURL: '/am/json/realms/root/authenticate' });
    const self = await call(lab, 'GET', 'json/realms/root/users/demo', { headers: { ...V2, cookie: `iPlanetDirectoryPro=${demo}` } });
    expect(self.json).toMatchObject({ _id: 'demo', username: 'demo', realm: '/', uid: ['demo'], roles: ['ui-self-service-user'] });
    const peek = await call(lab, 'GET', 'json/realms/root/users/amadmin', { headers: { ...V2, cookie: `iPlanetDirectoryPro=${demo}` } });
    expect(peek.json).toEqual({ code: 403, reason: 'Forbidden', message: 'User does not have enough privileges.' });
    expect((await call(lab, 'GET', 'json/realms/root/users/demo', { headers: { ...V2, iPlanetDirectoryPro: admin } })).status).toBe(200);
    expect((await call(lab, 'GET', 'json/realms/root/users/ghost', { headers: { ...V2, iPlanetDirectoryPro: admin } })).status).toBe(404);
    const anon = await call(lab, 'POST', 'json/realms/root/users?_action=idFromSession', { headers: V2, body: '{}' });
    expect(anon.json).toEqual({ code: 401, reason: 'Unauthorized', message: 'Access Denied' });
  });

  it('json/health/live and json/health/ready answer 200 without a session (ForgeOps amster scripts wait for ready)', async () => {
    const lab = await startLab({ nodes: 1 });
    for (const p of ['json/health/live', 'json/health/ready']) {
      const r = await call(lab, 'GET', p);
      expect([r.status, r.text]).toEqual([200, '']);
    }
  });
});

describe('filters every json/ endpoint goes through', () => {
  it('CSRF (AM 7+): a cookie-carrying non-GET without X-Requested-With or Accept-API-Version is 403 on any endpoint; GET is not filtered; 6.5 has no filter', async () => {
    const lab = await startLab({ nodes: 1 });
    const tok = await login(lab);
    const bare = { headers: { 'content-type': 'application/json', cookie: `iPlanetDirectoryPro=${tok}` }, body: '{}' };
    for (const p of ['json/realms/root/users?_action=idFromSession', AUTH, `${SESSIONS}?_action=validate`]) {
      expect((await call(lab, 'POST', p, bare)).status, p).toBe(403);
    }
    expect((await call(lab, 'POST', 'json/realms/root/users?_action=idFromSession', { ...bare, headers: { ...bare.headers, 'x-requested-with': 'XMLHttpRequest' } })).status).toBe(200);
    expect((await call(lab, 'GET', 'json/realms/root/users/demo', { headers: { cookie: `iPlanetDirectoryPro=${tok}` } })).status).toBe(200);
    const old = await startLab({ nodes: 1, profile: '6.5' });
    const tok65 = await login(old);
    expect((await call(old, 'POST', `${SESSIONS}?_action=validate`, { ...bare, headers: { ...bare.headers, cookie: `iPlanetDirectoryPro=${tok65}` } })).status).toBe(200);
  });

  it('the Host must be a valid FQDN (RealmContextFilter: 400 FQDN "h" is not valid.); fqdnMap adds names', async () => {
    const lab = await startLab({ nodes: 1, fqdnMap: { am: 'am.example.com' } });
    const as = async (host: string) => {
      const r = await request(`${lab.balancerUrl}/${AUTH}`, { method: 'POST', headers: { ...V2, host } });
      return { status: r.statusCode, json: await r.body.json() };
    };
    // CREST HTML-escapes the message (ResourceException.toJsonValue), quotes included.
    expect(await as('evil.example:8080')).toEqual({ status: 400, json: { code: 400, reason: 'Bad Request', message: 'FQDN &quot;evil.example&quot; is not valid.' } });
    expect((await as('am.example.com')).status).toBe(200);
    expect((await as('localhost')).status).toBe(400); // only what fqdnMap lists, besides the servers' own host
  });

  it('realm=alpha is accepted as /alpha (RealmUtils.cleanRealm); an unknown one is 400 Invalid realm', async () => {
    const lab = await startLab({ nodes: 1 });
    expect((await call(lab, 'POST', `${AUTH}?realm=alpha`, zpl(...DEMO))).json).toMatchObject({ realm: '/alpha' });
    expect((await call(lab, 'POST', `${AUTH}?realm=/alpha/`, zpl(...DEMO))).json).toMatchObject({ realm: '/alpha' });
    expect((await call(lab, 'POST', `${AUTH}?realm=beta`, zpl(...DEMO))).json).toEqual({ code: 400, reason: 'Bad Request', message: 'Invalid realm, beta' });
  });
});

describe('sessions as AM answers the rest of it', () => {
  it('POST without _action is an unsupported create: 501 "Operation is not supported." (RestUtils.generateUnsupportedOperation)', async () => {
    const lab = await startLab({ nodes: 1 });
    const r = await call(lab, 'POST', SESSIONS, { headers: { ...V2, iPlanetDirectoryPro: await login(lab) }, body: '{}' });
    expect(r.json).toEqual({ code: 501, reason: 'Not Implemented', message: 'Operation is not supported.' });
  });

  it('_queryFilter needs realm eq (SessionQueryFilterVisitor builds the search from the realm)', async () => {
    const lab = await startLab({ nodes: 1 });
    const admin = await login(lab, 'amadmin', lab.users.adminPassword);
    const h = { 'accept-api-version': 'resource=3.1', iPlanetDirectoryPro: admin };
    expect((await call(lab, 'GET', `${SESSIONS}?_queryFilter=${encodeURIComponent('username eq "demo"')}`, { headers: h })).status).toBe(400);
    expect((await call(lab, 'GET', `${SESSIONS}?_queryFilter=${encodeURIComponent('realm eq "/"')}`, { headers: h })).json).toMatchObject({ resultCount: 1 });
  });

  it('resource 1.x: isActive, getIdle, getMaxIdle, getMaxSessionTime, getTimeLeft on the collection and on /sessions/{token} (SessionResource, action handlers)', async () => {
    const lab = await startLab({ nodes: 1 });
    await lab.pauseClock(true);
    const demo = await login(lab);
    const admin = await login(lab, 'amadmin', lab.users.adminPassword);
    await lab.advanceClock(90_000);
    const own = async (action: string) => (await call(lab, 'POST', `${SESSIONS}?_action=${action}`, { headers: { ...v1, iPlanetDirectoryPro: demo }, body: '{}' })).json;
    expect(await own('isActive')).toEqual({ active: true });
    expect(await own('getIdle')).toEqual({ idletime: 90 });
    expect(await own('getMaxIdle')).toEqual({ maxidletime: 30 });
    expect(await own('getMaxSessionTime')).toEqual({ maxsessiontime: 120 });
    expect(await own('getTimeLeft')).toEqual({ maxtime: 120 * 60 - 90 });
    const inst = await call(lab, 'POST', `${SESSIONS}/${encodeURIComponent(demo)}?_action=isActive`, { headers: { ...v1, iPlanetDirectoryPro: admin }, body: '{}' });
    expect(inst.json).toEqual({ active: true });
    await call(lab, 'POST', `${SESSIONS}/${encodeURIComponent(demo)}?_action=logout`, { headers: { ...v1, iPlanetDirectoryPro: admin }, body: '{}' });
    const gone = await call(lab, 'POST', `${SESSIONS}/${encodeURIComponent(demo)}?_action=getIdle`, { headers: { ...v1, iPlanetDirectoryPro: admin }, body: '{}' });
    expect(gone.json).toEqual({ idletime: -1 });
  });

  it('resource 1.x _queryId=all and =server list sessions as {userid, timeleft} for an admin', async () => {
    const lab = await startLab({ nodes: 1 });
    await lab.pauseClock(true);
    await login(lab);
    const admin = await login(lab, 'amadmin', lab.users.adminPassword);
    const all = (await call(lab, 'GET', `${SESSIONS}?_queryId=all`, { headers: { ...v1, iPlanetDirectoryPro: admin } })).json as { result: { userid: string; timeleft: number }[] };
    expect(all.result.map((r) => r.userid).sort()).toEqual(['id=amadmin,ou=user,dc=openam,dc=forgerock,dc=org', 'id=demo,ou=user,dc=openam,dc=forgerock,dc=org']);
    expect(all.result[0]!.timeleft).toBe(120);
    const other = (await call(lab, 'GET', `${SESSIONS}?_queryId=server&serverId=02`, { headers: { ...v1, iPlanetDirectoryPro: admin } })).json as { resultCount: number };
    expect(other.resultCount).toBe(0);
  });

  it('on 2.x+ /sessions/{token} actions and reads are 501, and a 404 or 501 never echoes the token', async () => {
    const lab = await startLab({ nodes: 1 });
    const tok = await login(lab);
    const h = { ...V2, iPlanetDirectoryPro: tok };
    const act = await call(lab, 'POST', `${SESSIONS}/${encodeURIComponent(tok)}?_action=validate`, { headers: h, body: '{}' });
    const read = await call(lab, 'GET', `${SESSIONS}/${encodeURIComponent(tok)}`, { headers: h });
    for (const r of [act, read]) {
      expect(r.json).toEqual({ code: 501, reason: 'Not Implemented', message: 'Operation is not supported.' });
      expect(r.text).not.toContain(tok.slice(0, 20));
    }
  });

  it('session properties: only allowlisted ones are read or set (SessionPropertyWhitelist), AM-internal ones never by a user; 1.x and 2.x shapes', async () => {
    const lab = await startLab({ nodes: 1, sessionPropertyAllowlist: ['AMCtxId', 'LoginLocation'] });
    const tok = await login(lab);
    const v31 = { 'accept-api-version': 'resource=3.1', 'content-type': 'application/json', iPlanetDirectoryPro: tok };
    const legacy = { ...v1, iPlanetDirectoryPro: tok };
    expect((await call(lab, 'POST', `${SESSIONS}?_action=getPropertyNames`, { headers: legacy, body: '{}' })).json).toEqual({ properties: ['AMCtxId', 'LoginLocation'] });
    expect((await call(lab, 'POST', `${SESSIONS}?_action=setProperty`, { headers: legacy, body: '{"LoginLocation":"Grenoble"}' })).json).toEqual({ success: true });
    expect((await call(lab, 'POST', `${SESSIONS}?_action=getProperty`, { headers: legacy, body: '{"properties":["LoginLocation"]}' })).json).toEqual({ LoginLocation: 'Grenoble' });
    expect((await call(lab, 'POST', `${SESSIONS}?_action=setProperty`, { headers: legacy, body: '{"AMCtxId":"mine"}' })).status).toBe(403);
    expect((await call(lab, 'POST', `${SESSIONS}?_action=setProperty`, { headers: legacy, body: '{"AuthLevel":"99"}' })).status).toBe(403);
    const got = (await call(lab, 'POST', `${SESSIONS}?_action=getSessionProperties`, { headers: v31, body: '{}' })).json as Record<string, string>;
    expect(got).toEqual({ AMCtxId: expect.any(String), LoginLocation: 'Grenoble' });
    // updateSessionProperties must name exactly the allowlist; AMCtxId is protected, so a user is refused.
    expect((await call(lab, 'POST', `${SESSIONS}?_action=updateSessionProperties`, { headers: v31, body: '{"LoginLocation":"Paris"}' })).status).toBe(403);
    expect((await call(lab, 'POST', `${SESSIONS}?_action=deleteProperty`, { headers: legacy, body: '{"properties":["LoginLocation"]}' })).json).toEqual({ success: true });
    expect((await call(lab, 'POST', `${SESSIONS}?_action=getProperty`, { headers: legacy, body: '{"properties":["LoginLocation"]}' })).json).toEqual({ LoginLocation: '' });
  });

  it('a dead session on validate or as the caller gets no Set-Cookie; only logout invalidates the cookie (LogoutActionHandler)', async () => {
    const lab = await startLab({ nodes: 1 });
    const tok = await login(lab);
    await call(lab, 'POST', `${SESSIONS}?_action=logout`, { headers: { ...V2, iPlanetDirectoryPro: tok }, body: '{}' });
    const v = await call(lab, 'POST', `${SESSIONS}?_action=validate`, { headers: { ...V2, cookie: `iPlanetDirectoryPro=${tok}` }, body: '{}' });
    const info = await call(lab, 'POST', `${SESSIONS}?_action=getSessionInfo`, { headers: { ...V2, cookie: `iPlanetDirectoryPro=${tok}` }, body: '{}' });
    expect([v.json, info.status]).toEqual([{ valid: false }, 401]);
    expect([...setCookies(v.headers), ...setCookies(info.headers)]).toEqual([]);
  });

  it('refresh of a client-based session is not possible: RefreshActionHandler answers {"valid":false}', async () => {
    const lab = await startLab({ nodes: 1, sessions: 'client' });
    const r = await call(lab, 'POST', `${SESSIONS}?_action=refresh`, { headers: { 'accept-api-version': 'resource=3.1', 'content-type': 'application/json', iPlanetDirectoryPro: await login(lab) }, body: '{}' });
    expect(r.json).toEqual({ valid: false });
  });
});

describe('SSO token extensions (OpenAM SessionID, LegacySessionIDExtensions; a real AM 7 token decodes to SI, SK, type, S1)', () => {
  it('without a site SI is the server and S1 empty; SK is 28 characters as AM 7 writes it', async () => {
    const lab = await startLab({ nodes: 1, siteId: null });
    expect(parseToken(await login(lab))!.ext).toEqual({ SI: '01', SK: expect.stringMatching(/^[A-Za-z0-9+/]{27}=$/), type: 'CTS', S1: '' });
  });
});
