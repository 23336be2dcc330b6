/**
 * What the window did, in the recipe's own words: the operation layer records each user-level
 * action (login, validate, kill a node, change a setting, …) with the outcome the trace showed, so
 * "Export current session as recipe" can write a recipe that re-runs the same reproduction and
 * checks the same outcomes. One log per lab, bounded; the hosts know nothing of it.
 */
import { MACHINE_SETTINGS, type LabConfig, type LiveConfigPatch } from './lab/config';
import type { Lab } from './lab/lab';
import type { TraceExchange } from './lab/trace/types';
import { observe } from './lab/scenario/observe';
import { recipeFromActions, type ObservedOutcome, type RecordedAction } from './lab/scenario/export';

/** Most actions kept; older ones are dropped (their setting changes folded into the starting settings). */
export const ACTION_LOG_LIMIT = 500;
/** Lab time that passed between two actions (clock running) is written as a wait when at least this long. */
const MIN_GAP_MS = 1000;

export class ActionLog {
  private actions: RecordedAction[] = [];
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
    return this.actions.length;
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
      this.push({ action: 'wait', ms });
      this.lastNow += ms;
    }
  }

  /** Call after the action succeeded. */
  record(lab: Lab, action: RecordedAction): void {
    if (!this.base) this.before(lab);
    this.push(action);
    this.lastNow = Math.max(this.lastNow, lab.clock.now());
  }

  /** The recipe user a virtual browser plays, named after it ("Browser 1"). */
  user(lab: Lab, browserId: string, creds?: { username: string; password: string }): string {
    let name = this.userOf.get(browserId);
    if (!name) {
      const base = lab.browser(browserId).name || browserId;
      name = base;
      for (let i = 2; this.taken.has(name); i++) name = `${base} ${i}`;
      this.taken.add(name);
      this.userOf.set(browserId, name);
    }
    if (creds) this.credentials.set(name, creds);
    return name;
  }

  /** A browser whose cookies were cleared (or that was removed) plays a new user from then on. */
  forget(browserId: string): void {
    // The old name stays taken, so the next user of this browser gets a new one.
    this.userOf.delete(browserId);
  }

  clear(): number {
    const n = this.actions.length;
    this.actions = [];
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
    const yaml = recipeFromActions(this.base ?? {}, this.actions, { ...meta, description, users: Object.fromEntries(this.credentials) });
    return { yaml, actions: this.actions.length, dropped: this.dropped };
  }

  private push(action: RecordedAction): void {
    this.actions.push(action);
    while (this.actions.length > this.limit) {
      const old = this.actions.shift()!;
      this.dropped++;
      if (old.action === 'configure' && this.base) this.base = { ...this.base, ...(old.patch as Partial<LabConfig>) };
    }
  }
}

const logs = new WeakMap<Lab, ActionLog>();

export function actionLogOf(lab: Lab): ActionLog {
  let log = logs.get(lab);
  if (!log) logs.set(lab, (log = new ActionLog()));
  return log;
}

/** What the actor's exchange showed, as the recipe's expectations read it (status, AM message, valid, node). */
export function observed(lab: Lab, exchange: TraceExchange | null): ObservedOutcome | undefined {
  if (!exchange) return undefined;
  const o = observe({ items: [exchange], actor: exchange.browser, userBrowser: null, jar: [], handles: new Set(), labNow: lab.clock.now() });
  const out: ObservedOutcome = {};
  if (o.status !== null) out.status = o.status;
  if (o.message) out.message = o.message;
  if (o.valid !== null) out.valid = o.valid;
  if (o.node) out.node = o.node;
  return Object.keys(out).length ? out : undefined;
}

/** A settings patch without the machine's settings; undefined when nothing of the ticket is left. */
export function ticketPatch(patch: LiveConfigPatch): LiveConfigPatch | undefined {
  const p = Object.fromEntries(Object.entries(patch).filter(([k, v]) => !MACHINE_SETTINGS.has(k) && v !== undefined)) as LiveConfigPatch;
  return Object.keys(p).length ? p : undefined;
}

/** The credentials a submitted login form carried (NameCallback / PasswordCallback inputs). */
export function credentialsOf(payload: { callbacks?: { type: string; input?: { name: string }[] }[] }, values: Record<string, string>): { username: string; password: string } | undefined {
  let username: string | undefined;
  let password: string | undefined;
  for (const cb of payload.callbacks ?? []) {
    const name = cb.input?.[0]?.name;
    if (!name || !(name in values)) continue;
    if (cb.type === 'NameCallback') username = values[name];
    if (cb.type === 'PasswordCallback') password = values[name];
  }
  return username !== undefined && password !== undefined ? { username, password } : undefined;
}

/** The browser whose newest session is this handle (what a recipe's admin-terminate ends), if any. */
export function browserOfHandle(lab: Lab, handle: string): string | undefined {
  const items = lab.recorder.items();
  // An exchange is recorded when its answer is ready, after the events it caused.
  const browserOfExchange = new Map<string, string>();
  for (const i of items) if (i.kind === 'exchange' && i.browser) browserOfExchange.set(i.id, i.browser);
  const newest = new Map<string, string>();
  for (const i of items) {
    if (i.kind === 'event' && i.type === 'session-created' && i.exchangeId) {
      const b = browserOfExchange.get(i.exchangeId);
      if (b) newest.set(b, String(i.data.handle));
    }
  }
  for (const [b, h] of newest) if (h === handle) return b;
  return undefined;
}
