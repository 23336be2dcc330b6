import { Document, isMap, isSeq, YAMLMap } from 'yaml';
import { DEMO_USER, MACHINE_SETTINGS, TOPOLOGY_SETTINGS, parseConfig, type LabConfig, type LiveConfigPatch } from '../config';
import { stepYaml, type StepAction } from './grammar';
import { NAME } from './units';

/** One step of the action log: the action in the recipe's words and what it showed. */
export interface LoggedStep {
  action: StepAction;
  observed?: ObservedOutcome;
}

/** What the engineer saw, written back as the step's expectations so a re-run checks the same. */
export interface ObservedOutcome {
  status?: number;
  message?: string;
  /** OAuth2 error code. */
  error?: string;
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
export function recipeFromActions(config: LabConfig | LiveConfigPatch, actions: LoggedStep[], meta: RecipeMeta = {}): string {
  const defaults = parseConfig({});
  const cluster: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    // The lab's own CTS directory is part of the reproduction (its replicas, delay, outages); an existing one's URL is the machine's.
    if (k === 'cts' && v === 'ldap') cluster.cts = v;
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

/** The step's YAML under the user names of the recipe, with what was observed as its expectations. */
function stepOf({ action, observed }: LoggedStep, userName: (raw: string) => string): Record<string, unknown> {
  const a = 'user' in action ? { ...action, user: userName(action.user) } : action.action === 'load' && action.as ? { ...action, as: userName(action.as) } : action;
  const step = stepYaml(a as StepAction);
  const exp = expectationOf(observed);
  if (exp) step.expect = exp;
  return step;
}

function expectationOf(o: ObservedOutcome | undefined): Record<string, unknown> | undefined {
  if (!o) return undefined;
  const e: Record<string, unknown> = {};
  if (o.status !== undefined) e.status = o.status;
  if (o.message) e.message = o.message;
  if (o.error) e.error = o.error;
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
