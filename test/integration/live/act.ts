import type { Action, ActionResult } from '../../../main/contract';
import type { LiveConfigPatch } from '../../../main/contract/settings';
import type { Lab } from '../../../main/lab/lab';
import { dispatch } from '../../../main/operations';
import { DEMO } from '../helpers';

/** What the live-settings cases share: actions through the window's own command, and a few readings. */
export type LiveKey = keyof LiveConfigPatch;
export type Case = (lab: Lab) => Promise<void>;

const [username, password] = DEMO;

export async function act(lab: Lab, action: Action): Promise<ActionResult> {
  const o = await dispatch(lab, 'perform', action);
  if (!o.ok) throw new Error(`${action.action}: ${o.error.message}`);
  return o.value as ActionResult;
}
export const configure = (lab: Lab, patch: LiveConfigPatch) => act(lab, { action: 'configure', patch });
export const browser = (lab: Lab) => lab.createBrowser().id;
export const outcome = (r: ActionResult) => r.steps?.at(-1);
export const valid = async (lab: Lab, b: string) => ((await act(lab, { action: 'validate', browser: b })).response?.body as { valid?: boolean }).valid;
export const tokenOf = async (lab: Lab, b: string, cookie = 'iPlanetDirectoryPro') => (await lab.browser(b).cookies()).find((c) => c.name === cookie)?.value;

/** A callbacks login whose user pauses on the form before submitting it: what AM answered in the end. */
export async function loginAfterPause(lab: Lab, ms: number) {
  const b = browser(lab);
  await act(lab, { action: 'login-start', browser: b });
  await act(lab, { action: 'wait', ms });
  return outcome(await act(lab, { action: 'login-next', browser: b, username, password }));
}
