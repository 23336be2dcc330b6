import { Config, SessionManager, StepType } from '@forgerock/javascript-sdk';
import { describe, expect, it } from 'vitest';
import { sdkJourney } from '../fixtures/sdkJourney';
import { events, startLab } from './helpers';

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
    expect(events(lab, 'auth-session-missed')).toHaveLength(1);
  });

  it('succeeds across nodes with client-side (JWT) journey sessions, two steps on the Example tree', async () => {
    const lab = await startLab({ nodes: 3, auth: 'tree', authSessions: 'client' });
    configure(lab.balancerUrl, 'Example');
    expect((await journey()).type).toBe(StepType.LoginSuccess);
    expect(new Set(lab.recorder.exchanges().map((e) => e.routing.node)).size).toBe(3);
  });

  it('SessionManager.logout is answered (no cookie to send from Node: AM says so in a 4xx the SDK accepts)', async () => {
    const lab = await startLab({ nodes: 1 });
    configure(lab.balancerUrl);
    const res = await SessionManager.logout();
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 400, reason: 'Bad Request', message: 'iPlanetDirectoryCookie not set on request' });
  });
});
