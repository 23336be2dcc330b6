import { Document, isMap, isSeq, YAMLMap } from 'yaml';
import { DEMO_USER, MACHINE_SETTINGS, TOPOLOGY_SETTINGS, parseConfig, type LabConfig, type LiveConfigPatch } from '../config';
import { formatMs, NAME } from './schema';

/** What an engineer did in the window, in the recipe's own words. */
export type RecordedAction =
  | { action: 'login' | 'login-start'; user: string; service?: string; realm?: string; observed?: ObservedOutcome }
  | { action: 'login-next' | 'zero-page-login' | 'validate' | 'refresh' | 'access' | 'logout'; user: string; realm?: string; observed?: ObservedOutcome }
  | { action: 'admin-terminate'; user: string; observed?: ObservedOutcome }
  | { action: 'wait'; ms: number }
  | { action: 'kill-node' | 'restart-node' | 'drain-node' | 'undrain-node'; node: string }
  | { action: 'configure'; patch: LiveConfigPatch }
  | { action: 'load'; logins?: number; durationMs?: number; concurrency?: number; thinkMs?: number };

/** What the engineer saw, written back as the step's expectations so a re-run checks the same. */
export interface ObservedOutcome {
  status?: number;
  message?: string;
  node?: string;
  valid?: boolean;
}

export interface RecipeMeta {
  name?: string;
  title?: string;
  description?: string;
  /** Credentials of the window's users, by the name the actions use (default: the demo user). */
  users?: Record<string, { username: string; password: string }>;
}

/**
 * The window's state as a recipe: its settings (those that differ from AM Session Lab's defaults,
 * plus the topology) and what was done, in order. The text parses back with parseRecipe.
 */
export function recipeFromActions(config: LabConfig | LiveConfigPatch, actions: RecordedAction[], meta: RecipeMeta = {}): string {
  const defaults = parseConfig({});
  const cluster: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (MACHINE_SETTINGS.has(k) || v === undefined) continue;
    if (TOPOLOGY_SETTINGS.has(k) || JSON.stringify(v) !== JSON.stringify((defaults as Record<string, unknown>)[k])) cluster[k] = v;
  }

  const names = new Map<string, string>();
  const userName = (raw: string) => {
    if (!names.has(raw)) names.set(raw, uniqueName(slug(raw), new Set(names.values())));
    return names.get(raw)!;
  };
  const steps = actions.map((a) => stepOf(a, userName));
  const users: Record<string, unknown> = {};
  for (const [raw, name] of names) {
    const creds = meta.users?.[raw];
    users[name] = creds && (creds.username !== DEMO_USER.username || creds.password !== DEMO_USER.password) ? { username: creds.username, password: creds.password } : {};
  }

  const doc = new Document({
    name: meta.name ?? 'exported-reproduction',
    title: meta.title ?? 'Reproduction exported from AM Session Lab',
    description: meta.description ?? 'Settings and steps exported from the AM Session Lab window. Describe the ticket here in words a customer can read.',
    cluster,
    users,
    steps,
  });
  doc.commentBefore = ` Exported from AM Session Lab. Run it again with: session-lab run FILE.yaml`;
  // Short maps ({ status: 401, node: "01" }) read best on one line.
  const stepsNode = doc.get('steps', true);
  if (isSeq(stepsNode)) {
    for (const step of stepsNode.items) {
      if (!isMap(step)) continue;
      for (const pair of step.items) if (pair.value instanceof YAMLMap) pair.value.flow = pair.value.items.length <= 4;
    }
  }
  return doc.toString({ lineWidth: 100 });
}

function stepOf(a: RecordedAction, userName: (raw: string) => string): Record<string, unknown> {
  switch (a.action) {
    case 'wait':
      return { wait: formatMs(a.ms) };
    case 'kill-node':
    case 'restart-node':
    case 'drain-node':
    case 'undrain-node':
      return { [a.action]: a.node };
    case 'configure':
      return { configure: Object.fromEntries(Object.entries(a.patch).filter(([, v]) => v !== undefined)) };
    case 'load': {
      const load: Record<string, unknown> = {};
      if (a.logins !== undefined) load.logins = a.logins;
      if (a.durationMs !== undefined) load.duration = formatMs(a.durationMs);
      if (a.logins === undefined && a.durationMs === undefined) load.logins = 100;
      load.concurrency = a.concurrency ?? 4;
      if (a.thinkMs !== undefined) load.think = formatMs(a.thinkMs);
      return { load };
    }
    default: {
      const user = userName(a.user);
      const extra: Record<string, unknown> = {};
      if ('service' in a && a.service) extra.service = a.service;
      if ('realm' in a && a.realm && a.realm !== '/') extra.realm = a.realm;
      const step: Record<string, unknown> = { [a.action]: Object.keys(extra).length ? { user, ...extra } : user };
      const exp = expectationOf(a.observed);
      if (exp) step.expect = exp;
      return step;
    }
  }
}

function expectationOf(o: ObservedOutcome | undefined): Record<string, unknown> | undefined {
  if (!o) return undefined;
  const e: Record<string, unknown> = {};
  if (o.status !== undefined) e.status = o.status;
  if (o.message) e.message = o.message;
  if (o.valid !== undefined) e.valid = o.valid;
  if (o.node) e.node = o.node;
  return Object.keys(e).length ? e : undefined;
}

/** "Browser 1" → "browser-1": a recipe user name. */
function slug(raw: string): string {
  const s = raw
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 32);
  return NAME.test(s) ? s : `user-${s}`.slice(0, 32).replace(/-+$/, '') || 'user';
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base.slice(0, 28)}-${i}`;
  return name;
}
