// A single-page app as a customer would write it with the ForgeRock JavaScript SDK, unchanged.
// Bundled by the e2e test with esbuild; it logs in, gets tokens, reads the user and logs out
// against the lab's balancer.
import { Config, FRUser, SessionManager, StepType, TokenManager, UserManager } from '@forgerock/javascript-sdk';
import { sdkJourney } from '../../fixtures/sdkJourney';

interface Options {
  baseUrl: string;
  tree: string;
  clientId?: string;
  redirectUri?: string;
}

function configure(o: Options) {
  Config.set({ serverConfig: { baseUrl: o.baseUrl, timeout: 5000 }, realmPath: 'root', tree: o.tree, clientId: o.clientId, redirectUri: o.redirectUri, scope: 'openid profile' });
}

async function login(baseUrl: string, tree: string): Promise<{ type: string; code?: number; message?: string }> {
  configure({ baseUrl, tree });
  const step = await sdkJourney();
  if (step.type === StepType.LoginFailure) {
    const f = step as unknown as { getCode(): number; getMessage(): string };
    return { type: step.type, code: f.getCode(), message: f.getMessage() };
  }
  return { type: step.type };
}

async function logout(): Promise<number> {
  return (await SessionManager.logout()).status;
}

/** The whole app: journey, tokens through the hidden authorize iframe (prompt=none, PKCE), the user, logout. */
async function fullFlow(o: Options) {
  configure(o);
  const step = await sdkJourney();
  const tokens = await TokenManager.getTokens({ forceRenew: true });
  const user = await UserManager.getCurrentUser();
  await FRUser.logout();
  return {
    login: step.type,
    tokens: { access: typeof tokens?.accessToken, id: typeof tokens?.idToken, refresh: typeof tokens?.refreshToken },
    user,
    storedAfterLogout: localStorage.getItem(`FR-SDK-${o.clientId}`),
  };
}

Object.assign(window, { sdkLogin: login, sdkLogout: logout, sdkFullFlow: fullFlow });
