import { Config, FRUser, SessionManager, StepType, TokenManager, UserManager } from '@forgerock/javascript-sdk';
import { describe, expect, it } from 'vitest';
import { sdkJourney } from '../fixtures/sdkJourney';
import { installNodeBrowser } from '../fixtures/sdkNodeBrowser';
import { events, exchanges, startLab } from './helpers';

/**
 * The ForgeRock JavaScript SDK, unchanged, against the lab. Node's fetch has no cookie jar, so the
 * SDK cannot carry amlbcookie here — which is exactly a client the balancer can't stick.
 */
function configure(baseUrl: string, tree?: string) {
  const store = new Map<string, string>();
  Config.set({
    serverConfig: { baseUrl: baseUrl + '/', timeout: 5000 },
    realmPath: 'root',
    tree,
    tokenStore: { get: async (k: string) => JSON.parse(store.get(k) ?? 'null'), set: async (k: string, v: unknown) => void store.set(k, JSON.stringify(v)), remove: async (k: string) => void store.delete(k) } as never,
  });
}

const journey = () => sdkJourney();

describe('ForgeRock JavaScript SDK against the lab', () => {
  it('logs in through a single node and gets a LoginSuccess with the SSO token', async () => {
    const lab = await startLab({ nodes: 1, auth: 'tree' });
    configure(lab.balancerUrl, 'Login');
    const step = await journey();
    expect(step.type).toBe(StepType.LoginSuccess);
    expect((step as { getSessionToken(): string }).getSessionToken()).toMatch(/^[\w-]{27}\.\*/);
  });

  it('surfaces the seed 401 as an FRLoginFailure behind a round-robin balancer (in-memory journeys)', async () => {
    const lab = await startLab({ nodes: 3, auth: 'tree', authSessions: 'memory' });
    configure(lab.balancerUrl, 'Login');
    const step = await journey();
    expect(step.type).toBe(StepType.LoginFailure);
    const failure = step as { getCode(): number; getMessage(): string; getDetail(): unknown };
    expect(failure.getCode()).toBe(401);
    expect(failure.getMessage()).toBe('Session has timed out');
    expect(failure.getDetail()).toEqual({ errorCode: '110' });
    expect(await events(lab, 'auth-session-missed')).toHaveLength(1);
  });

  it('succeeds across nodes with client-side (JWT) journey sessions, two steps on the Example tree', async () => {
    const lab = await startLab({ nodes: 3, auth: 'tree', authSessions: 'client' });
    configure(lab.balancerUrl, 'Example');
    expect((await journey()).type).toBe(StepType.LoginSuccess);
    expect(new Set((await exchanges(lab)).map((e) => e.routing.node)).size).toBe(3);
  });

  it('SessionManager.logout is answered (no cookie to send from Node: AM says so in a 4xx the SDK accepts)', async () => {
    const lab = await startLab({ nodes: 1 });
    configure(lab.balancerUrl);
    const res = await SessionManager.logout();
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 400, reason: 'Bad Request', message: 'iPlanetDirectoryCookie not set on request' });
  });

  it('runs its full flow through a round-robin balancer: journey, TokenManager.getTokens, UserManager.getCurrentUser, FRUser.logout (grants live in the CTS, OpenAM StatefulTokenStore)', async () => {
    const app = 'http://127.0.0.1:9'; // the SPA's origin: the browser stops at its callback URL
    const lab = await startLab({ nodes: 3, auth: 'tree', authSessions: 'cts', oauth2Clients: { sdkPublicClient: { type: 'public', redirectUris: [`${app}/callback`] } } });
    const browser = installNodeBrowser(app);
    try {
      Config.set({ clientId: 'sdkPublicClient', redirectUri: `${app}/callback`, scope: 'openid profile', serverConfig: { baseUrl: lab.balancerUrl + '/', timeout: 5000 }, realmPath: 'root', tree: 'Login' });
      expect((await sdkJourney()).type).toBe(StepType.LoginSuccess);
      // Node has no iframe: the SDK's redirect mode sends the browser to authorize (PKCE S256), and
      // the app's callback hands code and state back to getTokens, as an SPA's callback page does.
      expect(await TokenManager.getTokens({ skipBackgroundRequest: true, login: 'redirect' })).toBeUndefined();
      const authorize = new URL(browser.navigations[0]!);
      expect(Object.fromEntries(authorize.searchParams)).toMatchObject({ client_id: 'sdkPublicClient', response_type: 'code', code_challenge_method: 'S256', scope: 'openid profile' });
      const callback = await browser.navigate(authorize.href, `${app}/callback`);
      const tokens = await TokenManager.getTokens({ query: { code: callback.searchParams.get('code')!, state: callback.searchParams.get('state')! } });
      expect(tokens).toMatchObject({ accessToken: expect.stringMatching(/^[\w-]{27}$/), idToken: expect.stringMatching(/^ey/), refreshToken: expect.stringMatching(/^[\w-]{27}$/) });
      expect(await UserManager.getCurrentUser()).toEqual({ sub: 'demo', subname: 'demo', name: 'demo', family_name: 'demo', given_name: 'demo' });
      await FRUser.logout();
      expect((await lab.sessionRows()).filter((r) => r.status === 'active')).toEqual([]);
      expect((await events(lab, 'oauth2-token-revoked')).map((e) => e.data.tokenName)).toEqual(['access_token']);
      const oauth = (await exchanges(lab)).filter((e) => e.request.path.includes('/oauth2/'));
      expect(oauth.map((e) => `${e.request.method} ${e.request.path.replace(/\?.*/, '')} ${e.response.status}`)).toEqual([
        'GET /am/oauth2/realms/root/authorize 302',
        'POST /am/oauth2/realms/root/access_token 200',
        'GET /am/oauth2/realms/root/userinfo 200',
        'POST /am/oauth2/realms/root/token/revoke 200',
        'GET /am/oauth2/realms/root/connect/endSession 204',
      ]);
      // No stickiness: the code was issued and redeemed on different nodes.
      expect(oauth[0]!.routing.node).not.toBe(oauth[1]!.routing.node);
    } finally {
      browser.restore();
    }
  });
});
