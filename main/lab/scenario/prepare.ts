import { MACHINE_SETTINGS, parseConfig, type LiveConfigPatch } from '../config';
import { LabError, type Lab } from '../lab';

/**
 * The lab's defaults for every ticket setting, so a recipe starts from the same place everywhere;
 * the machine's settings (MACHINE_SETTINGS) are left as they are.
 */
export function ticketDefaults(): LiveConfigPatch {
  return Object.fromEntries(Object.entries(parseConfig({})).filter(([k]) => !MACHINE_SETTINGS.has(k))) as LiveConfigPatch;
}

/**
 * Brings a lab that has been used (the window's) to the state a recipe starts from in a fresh lab:
 * the recipe's settings over the defaults, every node running, undrained and seen up by the
 * balancer's health check, and the round-robin turn at the first node. Then "node 01" in a recipe
 * means the same in the window as in CI.
 */
export async function prepareLab(lab: Lab, patch: LiveConfigPatch): Promise<void> {
  await lab.configure({ ...ticketDefaults(), ...patch });
  for (const n of lab.nodes) if (!n.running) await lab.restartNode(n.id);
  for (const n of lab.nodes) lab.drainNode(n.id, false);
  const down = [];
  for (const n of lab.nodes) if ((await lab.balancer.probe(n.id)) === 'down') down.push(n.id);
  if (down.length) throw new LabError(`Node ${down.join(', ')} did not come back up for the balancer`);
  lab.resetRouting();
}
