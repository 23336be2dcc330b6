import { parseConfig, type LiveConfigPatch } from '../config';
import { LabError, type Lab } from '../lab';

/** Settings of the machine, not of the ticket: a recipe run in the window leaves them alone. */
const MACHINE = new Set(['traceCapacity', 'corsOrigins', 'upstreamTimeoutMs', 'maxBodyBytes', 'contextPath', 'users']);

/** The lab's defaults for every ticket setting, so a recipe starts from the same place everywhere. */
export function ticketDefaults(): LiveConfigPatch {
  return Object.fromEntries(Object.entries(parseConfig({})).filter(([k]) => !MACHINE.has(k))) as LiveConfigPatch;
}

const UP_TIMEOUT_MS = 5_000;

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
  await untilBalancerSeesUp(lab, lab.nodes.map((n) => n.id));
  resetRoundRobin(lab);
}

/** A restarted node is up for the balancer after its next health check (real time, about 0.5 s). */
export async function untilBalancerSeesUp(lab: Lab, ids: string[]): Promise<void> {
  const deadline = Date.now() + UP_TIMEOUT_MS;
  for (;;) {
    const notUp = (await lab.snapshot()).nodes.filter((n) => ids.includes(n.id) && n.state === 'down');
    if (!notUp.length) return;
    if (Date.now() > deadline) throw new LabError(`Node ${notUp.map((n) => n.id).join(', ')} did not come back up for the balancer`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Workaround until the engine offers it: the balancer's round-robin cursor is private. A fresh lab
 * starts at 0; setting it back gives a used lab the same routing.
 */
function resetRoundRobin(lab: Lab): void {
  const cursor = (lab.balancer as unknown as { cursor?: { next?: unknown } }).cursor;
  if (cursor && typeof cursor.next === 'number') cursor.next = 0;
}
