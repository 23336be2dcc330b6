// A single-page app as a customer would write it with the ForgeRock JavaScript SDK, unchanged.
// Bundled by the e2e test with esbuild; it logs in and out against the lab's balancer.
import { Config, SessionManager, StepType } from '@forgerock/javascript-sdk';
import { sdkJourney } from '../../fixtures/sdkJourney';

async function login(baseUrl: string, tree: string): Promise<{ type: string; code?: number; message?: string }> {
  Config.set({ serverConfig: { baseUrl, timeout: 5000 }, realmPath: 'root', tree });
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

Object.assign(window, { sdkLogin: login, sdkLogout: logout });
