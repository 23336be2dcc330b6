import { LIVE_SETTINGS, MACHINE_SETTINGS, parseConfig, type LiveConfigPatch } from '../config';
import { RECIPE_START_SETTINGS, type RecipeSettings, type RecipeStartKey } from '../../contract/settings';
import { LabError, type Lab } from '../lab';

/**
 * The lab's defaults for every live ticket setting, so a recipe starts from the same place
 * everywhere; the machine's settings (MACHINE_SETTINGS) and those fixed at start are left as they are.
 */
export function ticketDefaults(): LiveConfigPatch {
  const live = new Set<string>(LIVE_SETTINGS);
  return Object.fromEntries(Object.entries(parseConfig({})).filter(([k]) => live.has(k) && !MACHINE_SETTINGS.has(k))) as LiveConfigPatch;
}

/** A recipe's settings split: those a running lab applies, and those its lab must have been started with. */
export function splitRecipeSettings(s: RecipeSettings): { live: LiveConfigPatch; start: Partial<Pick<RecipeSettings, RecipeStartKey>> } {
  const start: Record<string, unknown> = {};
  const live: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (v !== undefined) ((RECIPE_START_SETTINGS as readonly string[]).includes(k) ? start : live)[k] = v;
  return { live: live as LiveConfigPatch, start };
}

/**
 * Brings a lab that has been used (the window's) to the state a recipe starts from in a fresh lab:
 * the recipe's settings over the defaults, every CTS replica and node running, undrained and seen up by the
 * balancer's health check, and the round-robin turn at the first node. Then "node 01" in a recipe
 * means the same in the window as in CI. Settings fixed at start (the CTS directory, its replicas
 * and affinity, the balancer) cannot change in a running lab: a recipe naming other values is refused.
 */
export async function prepareLab(lab: Lab, settings: RecipeSettings): Promise<void> {
  const { live, start } = splitRecipeSettings(settings);
  const differs = Object.entries(start).filter(([k, v]) => lab.config[k as RecipeStartKey] !== v);
  if (differs.length) {
    const says = (pairs: [string, unknown][]) => pairs.map(([k, v]) => `${k} ${String(v)}`).join(', ');
    throw new LabError(
      `This recipe needs a lab started with ${says(differs)}; this one runs ${says(differs.map(([k]) => [k, lab.config[k as RecipeStartKey]]))}. ` +
        'Those settings are fixed when a lab starts: compare its variants (each runs in a lab of its own), run it with session-lab run, or start the window with them.',
    );
  }
  await lab.configure({ ...ticketDefaults(), ...live });
  if (lab.ctsBackend.directory) await lab.startCts();
  for (const n of lab.nodes) if (!n.running) await lab.restartNode(n.id);
  for (const n of lab.nodes) await lab.drainNode(n.id, false);
  const down = [];
  for (const n of lab.nodes) if ((await lab.balancer.probe(n.id)) === 'down') down.push(n.id);
  if (down.length) throw new LabError(`Node ${down.join(', ')} did not come back up for the balancer`);
  await lab.resetRouting();
}
