import type { Action } from '../../contract/actions';
import { MACHINE_SETTINGS, type LabConfig, type LiveConfigPatch } from '../config';
import type { Lab } from '../lab';
import type { Performed } from '../perform';
import { recipeFromActions, type LoggedStep, type ObservedOutcome } from './export';
import { recipeStep } from './grammar';
import { observe } from './observe';

/**
 * What was done in a lab, as the recipe it would be: each action performed through the window or
 * the API, in the recipe's words (its browser as the user it plays), with the outcome its own
 * exchanges showed, so "Export current session as recipe" writes a recipe that re-runs the same
 * reproduction and checks the same outcomes. One log per lab, bounded.
 */

/** Most actions kept; older ones are dropped (their setting changes folded into the starting settings). */
export const ACTION_LOG_LIMIT = 500;
/** Lab time that passed between two actions (clock running) is written as a wait when at least this long. */
const MIN_GAP_MS = 1000;

export class ActionLog {
  private steps: LoggedStep[] = [];
  /** Settings when the first kept action ran: the recipe's cluster. */
  private base: LabConfig | null = null;
  private lastNow = 0;
  private dropped = 0;
  /** Virtual browser id → the recipe user it plays (a cleared jar starts a new user). */
  private userOf = new Map<string, string>();
  private taken = new Set<string>();
  private credentials = new Map<string, { username: string; password: string }>();

  constructor(private readonly limit = ACTION_LOG_LIMIT) {}

  get size(): number {
    return this.steps.length;
  }

  /** Call before an action runs: remembers the starting settings, and the lab time that passed as a wait. */
  before(lab: Lab): void {
    const now = lab.clock.now();
    if (!this.base) {
      this.base = structuredClone(lab.config);
      this.lastNow = now;
      return;
    }
    const gap = now - this.lastNow;
    if (gap >= MIN_GAP_MS) {
      const ms = Math.floor(gap / 1000) * 1000;
      this.push({ action: { action: 'wait', ms } });
      this.lastNow += ms;
    }
  }

  /** Call after the action succeeded: it is written in the recipe's words, with what it showed. */
  record(lab: Lab, done: Performed): void {
    if (!this.base) this.before(lab);
    const action = ticketOnly(done.action);
    const step = action && recipeStep(action, { ofBrowser: (browser, creds) => this.user(lab, browser, creds), withCredentials: (creds) => this.userWith(creds) });
    if (step) this.push({ action: step, observed: observed(done) });
    this.lastNow = Math.max(this.lastNow, lab.clock.now());
  }

  /** A browser whose cookies were cleared (or that was removed) plays a new user from then on. */
  forget(browserId: string): void {
    // The old name stays taken, so the next user of this browser gets a new one.
    this.userOf.delete(browserId);
  }

  clear(): number {
    const n = this.steps.length;
    this.steps = [];
    this.base = null;
    this.dropped = 0;
    this.userOf.clear();
    this.taken.clear();
    this.credentials.clear();
    return n;
  }

  export(meta: { name?: string; title?: string } = {}): { yaml: string; actions: number; dropped: number } {
    const description = this.dropped
      ? `Settings and steps exported from the AM Session Lab window (the ${this.dropped} oldest actions were dropped; the log keeps ${this.limit}). Describe the ticket here in words a customer can read.`
      : undefined;
    const yaml = recipeFromActions(this.base ?? {}, this.steps, { ...meta, description, users: Object.fromEntries(this.credentials) });
    return { yaml, actions: this.steps.length, dropped: this.dropped };
  }

  /** The recipe user a virtual browser plays, named after it ("Browser 1"). */
  private user(lab: Lab, browserId: string, creds?: { username: string; password: string }): string {
    let name = this.userOf.get(browserId);
    if (!name) {
      const base = lab.browsers.get(browserId)?.name || browserId;
      name = base;
      for (let i = 2; this.taken.has(name); i++) name = `${base} ${i}`;
      this.taken.add(name);
      this.userOf.set(browserId, name);
    }
    if (creds) this.credentials.set(name, creds);
    return name;
  }

  /** The user who has these credentials (a load's), or a new one named after the user name. */
  private userWith(creds: { username: string; password: string }): string {
    for (const [name, c] of this.credentials) if (c.username === creds.username && c.password === creds.password) return name;
    let name = creds.username;
    for (let i = 2; this.taken.has(name); i++) name = `${creds.username} ${i}`;
    this.taken.add(name);
    this.credentials.set(name, creds);
    return name;
  }

  private push(step: LoggedStep): void {
    this.steps.push(step);
    while (this.steps.length > this.limit) {
      const old = this.steps.shift()!;
      this.dropped++;
      if (old.action.action === 'configure' && this.base) this.base = { ...this.base, ...old.action.patch };
    }
  }
}

const logs = new WeakMap<Lab, ActionLog>();

export function actionLogOf(lab: Lab): ActionLog {
  let log = logs.get(lab);
  if (!log) logs.set(lab, (log = new ActionLog()));
  return log;
}

/** A settings change without the machine's settings; undefined when nothing of the ticket is left. */
function ticketOnly(a: Action): Action | undefined {
  if (a.action !== 'configure') return a;
  const patch = Object.fromEntries(Object.entries(a.patch).filter(([k, v]) => !MACHINE_SETTINGS.has(k) && v !== undefined)) as LiveConfigPatch;
  return Object.keys(patch).length ? { action: 'configure', patch } : undefined;
}

/** What the action's last exchange showed, as a recipe's expectations read it (status, AM message, valid, node). */
function observed(done: Performed): ObservedOutcome | undefined {
  // An admin's calls are its own business: what the terminated user sees is the next step's.
  if (done.action.action === 'admin-terminate' || !done.exchanges.length) return undefined;
  const o = observe({ exchanges: done.exchanges, events: done.events, userBrowser: null, jar: [], handles: new Set(), labNow: 0 });
  const out: ObservedOutcome = {};
  if (o.status !== null) out.status = o.status;
  if (o.message) out.message = o.message;
  if (o.oauth2Error) out.error = o.oauth2Error;
  if (o.valid !== null) out.valid = o.valid;
  if (o.node) out.node = o.node;
  return Object.keys(out).length ? out : undefined;
}
