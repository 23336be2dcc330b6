// A single-page app as a customer would write it with the ForgeRock JavaScript SDK, unchanged.
// Bundled by the e2e test with esbuild; it logs in and out against the lab's balancer.
import { CallbackType, Config, FRAuth, SessionManager, StepType, type FRStep, type NameCallback, type PasswordCallback } from '@forgerock/javascript-sdk';

async function login(baseUrl: string, tree: string): Promise<{ type: string; code?: number; message?: string }> {
  Config.set({ serverConfig: { baseUrl, timeout: 5000 }, realmPath: 'root', tree });
  let step = await FRAuth.next();
  for (let i = 0; step.type === StepType.Step && i < 5; i++) {
    const s = step as FRStep;
    for (const cb of s.callbacks) {
      if (cb.getType() === CallbackType.NameCallback) (cb as NameCallback).setName('demo');
      if (cb.getType() === CallbackType.PasswordCallback) (cb as PasswordCallback).setPassword('Ch4ng31t');
    }
    step = await FRAuth.next(s);
  }
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
