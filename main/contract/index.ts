/**
 * The one API between the window and the engine. Both hosts (Electron IPC, the browser host's
 * WebSocket and HTTP) and the renderer import this module: commands are validated with these zod
 * schemas once, where they enter (the bridge's dispatch); results and pushed messages are plain
 * JSON typed here. The contract is standalone: it imports nothing from the engine (main/lab), which
 * imports its vocabulary (settings, trace, events, actions) from here. No Electron, no DOM, no
 * Node-only import: the window bundles it.
 */
import { z } from 'zod';
import { ActionSchema, BrowserIdSchema, NodeIdSchema, type Action, type ActionName, type ActionResult } from './actions';
import type { BalancerView, LbConfigView, LbFinding } from './balancer';
import type { AuthPayload, BrowserResponse, CookieView, LoginStep } from './browser';
import type { Finding, FlowSummary, SequenceModel } from './diagnosis';
import { COMMAND_NAMES, DEMO_LABEL, IPC_PREFIX, IPC_PUSH, MAX_IMPORT_BYTES, TOKEN_HEADER, WS_PROTOCOL, type CommandName } from './names';
import type { CompareRow, ExpectationResult, LoadProgress, LoadSummary } from './recipes';
import { ConfigPatchSchema, type LabConfig } from './settings';
import { SESSION_SORTS, type LabInfo, type LabSnapshot, type NodeStatus, type SessionPage, type SessionPageRow, type SessionRow, type SessionSort, type WindowSnapshot } from './snapshot';
import type { LabEvent, LabHar, TraceExchange, TraceItem } from './trace';

export { COMMAND_NAMES, DEMO_LABEL, IPC_PREFIX, IPC_PUSH, MAX_IMPORT_BYTES, TOKEN_HEADER, WS_PROTOCOL, type CommandName };
export { ActionSchema, ConfigPatchSchema };
export type { Action, ActionName, ActionResult };
export type { BalancerView, LbConfigView, LbFinding };
export { SESSION_SORTS };
export type { LabConfig, LabInfo, LabSnapshot, WindowSnapshot, NodeStatus, SessionRow, SessionPage, SessionPageRow, SessionSort, AuthPayload, BrowserResponse, CookieView, LoginStep, LabEvent, TraceExchange, TraceItem, Finding, FlowSummary, SequenceModel, LoadProgress, ExpectationResult, CompareRow };

const empty = z.strictObject({});
const exchangeIds = z.array(z.string().min(1).max(64)).max(50_000);
/** A built-in recipe or variant name; the window never hands the engine a file path. */
const recipeName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'a recipe name such as seed-401');

/**
 * Every command: its name and the schema of its input. The renderer's buttons and scripts share
 * these. Whatever a person does to the lab is one command, `perform`, with an Action (actions.ts):
 * the same vocabulary as recipe steps. The rest read the lab or manage the window's session.
 */
export const commands = {
  info: empty,
  snapshot: empty,
  /** Trace items (exchanges and events, in seq order) after a seq, newest `limit` at most. */
  trace: z.strictObject({ after: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1_000_000).default(20_000) }),
  clearTrace: empty,
  /** Does one Action (login, validate, kill-node, configure, wait, load, …) and answers with its own exchanges. */
  perform: ActionSchema,
  setClockSpeed: z.strictObject({ speed: z.number().positive().max(1_000_000) }),
  pauseClock: z.strictObject({ paused: z.boolean() }),
  createBrowser: z.strictObject({ name: z.string().trim().max(40).optional() }),
  removeBrowser: z.strictObject({ browser: BrowserIdSchema }),
  cookies: z.strictObject({ browser: BrowserIdSchema }),
  clearCookies: z.strictObject({ browser: BrowserIdSchema }),
  sessions: empty,
  /**
   * The sessions monitor's page: filtered (user name contains `user`, home node, owning virtual
   * browser or 'none', state), sorted, then rows [offset, offset + limit). With `handles`, exactly
   * those rows in that order (what a frozen view refreshes in place).
   */
  sessionPage: z.strictObject({
    user: z.string().trim().max(256).optional(),
    node: NodeIdSchema.optional(),
    browser: z.union([BrowserIdSchema, z.literal('none')]).optional(),
    state: z.enum(['all', 'active', 'ended']).default('all'),
    sort: z.enum(SESSION_SORTS).default('created'),
    dir: z.enum(['asc', 'desc']).default('desc'),
    offset: z.number().int().min(0).max(10_000_000).default(0),
    limit: z.number().int().min(1).max(1000).default(100),
    handles: z.array(z.string().min(1).max(512)).max(1000).optional(),
  }),
  /** Findings for every 401, failed step, ended session and node loss in the lab's trace. */
  diagnose: empty,
  /** Logins and browser lives in the trace, for the sequence view. */
  flows: empty,
  sequence: z.strictObject({ exchangeIds: exchangeIds.optional(), title: z.string().max(200).optional() }),
  /** HAR 1.2 of the trace; redacted unless `redact: false` is sent on purpose. */
  exportHar: z.strictObject({ redact: z.boolean().default(true), browser: BrowserIdSchema.optional(), exchangeIds: exchangeIds.optional() }),
  /** A customer's (or the lab's) HAR file: checked, then diagnosed and drawn. Nothing is kept. */
  importHar: z.strictObject({ text: z.string().max(MAX_IMPORT_BYTES), name: z.string().max(260).optional() }),
  recipes: empty,
  /** Runs a built-in ticket recipe in a fresh lab of its own (the window's lab is left as it is), with progress pushed. */
  runRecipe: z.strictObject({ name: recipeName, variant: recipeName.optional() }),
  /** Broken vs fixed: the recipe under two of its variants, each in a fresh lab of its own. */
  compareRecipe: z.strictObject({ name: recipeName, a: recipeName, b: recipeName }),
  /** Stops the recipe or load run in progress (a step in progress finishes first). */
  stopRun: empty,
  /** What was done in this lab (settings and actions, with the outcomes seen) as recipe YAML. */
  exportRecipe: z.strictObject({ name: recipeName.optional(), title: z.string().trim().min(1).max(200).optional() }),
  /** Forgets what was done so far: the next export starts from the settings of the next action. */
  clearActionLog: empty,
  /** Reads a customer's balancer configuration without applying it: its mapping onto the lab's nodes and its findings. */
  checkLbConfig: z.strictObject({ text: z.string().min(1).max(256 * 1024), name: z.string().max(260).optional() }),
} as const satisfies Record<CommandName, z.ZodType>;

export type Commands = typeof commands;
// Both directions: a schema without a name, or a name without a schema, fails to compile.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const namesMatch: Exactly<keyof Commands, CommandName> = true;
void namesMatch;
export const commandNames: readonly CommandName[] = COMMAND_NAMES;
/** What a caller may send (defaults optional). */
export type CommandInput<K extends CommandName> = z.input<Commands[K]>;
/** What a handler receives after validation. */
export type ParsedInput<K extends CommandName> = z.output<Commands[K]>;

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(commands, name);
}

export interface Results {
  info: LabInfo;
  snapshot: LabSnapshot;
  trace: TraceItem[];
  clearTrace: { cleared: true };
  perform: ActionResult;
  setClockSpeed: { speed: number };
  pauseClock: { paused: boolean };
  createBrowser: { id: string; name: string };
  removeBrowser: { removed: string };
  cookies: CookieView[];
  clearCookies: { cleared: string };
  sessions: SessionRow[];
  sessionPage: SessionPage;
  diagnose: { findings: FindingView[] };
  flows: FlowSummary[];
  /** The diagram as data (the window draws it) and as SVG text (for a file). */
  sequence: { model: SequenceModel; svg: string; exchanges: number };
  exportHar: HarExport;
  importHar: HarImportView;
  recipes: RecipeSummary[];
  runRecipe: RecipeRunView;
  compareRecipe: CompareView;
  stopRun: { stopped: boolean };
  exportRecipe: RecipeExport;
  clearActionLog: { cleared: number };
  checkLbConfig: LbConfigView;
}

/** The window's session as a recipe: YAML that parses back with parseRecipe and runs with `session-lab run`. */
export interface RecipeExport {
  yaml: string;
  fileName: string;
  /** Actions written as steps (0: nothing was done yet). */
  actions: number;
  /** Oldest actions dropped from the bounded log. */
  dropped: number;
}

/** A diagnosis finding with its evidence chain and fix as one line. */
export type FindingView = Finding & { text: string };

export interface HarExport {
  har: LabHar;
  fileName: string;
  entries: number;
  redacted: boolean;
  /** Replacements per redaction rule (empty when not redacted). */
  counts: Record<string, number>;
}

export interface HarImportView {
  name: string;
  creator: string;
  redaction: 'redacted' | 'none' | 'unknown';
  warnings: string[];
  exchanges: number;
  events: number;
  findings: FindingView[];
  /** Sequence diagram of the file, as data (the window draws it) and as SVG text with no script (for a file). */
  sequence: SequenceModel;
  svg: string;
  /** The file's exchanges and events as trace items, for the traffic table. */
  items: TraceItem[];
}

export interface RecipeSummary {
  name: string;
  title: string;
  description: string;
  variants: string[];
  steps: number;
}

export interface RecipeStepView {
  index: number;
  line: number;
  label: string;
  note?: string;
  status: 'passed' | 'failed' | 'error' | 'skipped' | 'running' | 'pending';
  summary?: string;
  error?: string;
  expectations: ExpectationResult[];
  /** Trace seqs recorded during the step, to find its exchanges. */
  seq: { from: number; to: number } | null;
}

export interface RecipeRunView {
  name: string;
  title: string;
  variant: string | null;
  passed: boolean;
  aborted: boolean;
  steps: RecipeStepView[];
  browsers: Record<string, string>;
  durationMs: number;
  labElapsedMs: number;
  /** The run's trace (exchanges and events in seq order, the newest 20,000 at most): its lab is gone. */
  items: TraceItem[];
}

export interface CompareView {
  recipe: string;
  title: string;
  a: { label: string; passed: boolean };
  b: { label: string; passed: boolean };
  rows: CompareRow[];
}

/** A load run's numbers, without its trace sample (the window has the trace). */
export type LoadView = LoadSummary;

/** Progress of a recipe run in the window's lab, step by step. */
export type RecipeProgressView =
  | { type: 'run-started'; recipe: string; variant: string | null; steps: { index: number; line: number; label: string; note?: string }[] }
  | { type: 'step-started'; index: number }
  | { type: 'step-finished'; index: number; step: RecipeStepView }
  | { type: 'load-progress'; index: number; progress: LoadProgress }
  | { type: 'run-finished'; result: RecipeRunView };

/** Why a command was refused. invalid-input and unknown-command never reach the engine. */
export type FailureKind = 'unknown-command' | 'invalid-input' | 'lab-error' | 'internal';

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: { kind: FailureKind; message: string } };

/** The API the renderer programs against; each host provides it over its own transport. */
export type LabApi = { [K in CommandName]: (input: CommandInput<K>) => Promise<Results[K]> };

/** The raw bridge a host exposes: envelopes, never thrown errors, so messages survive any transport. */
export type LabBridgeApi = { [K in CommandName]: (input: CommandInput<K>) => Promise<Outcome<Results[K]>> } & {
  onPush(listener: (message: PushMessage) => void): () => void;
};

/** State the engine pushes without being asked. */
export interface LabState {
  snapshot: WindowSnapshot;
  /** Each virtual browser's cookie jar, expiry judged on the lab clock. */
  jars: Record<string, CookieView[]>;
  /**
   * Each virtual browser's newest session as the lab knows it now (active, or ended with its
   * reason); null before its first login, or when the lab keeps no row for it (client-based
   * sessions live in the cookie; ended ones are kept for a while only).
   */
  browserSessions: Record<string, SessionRow | null>;
}

export type PushMessage =
  /** New trace items since the last batch, in seq order. */
  | { type: 'trace'; items: TraceItem[] }
  | ({ type: 'state' } & LabState)
  /** The host dropped pushes for a slow reader: refetch the trace with the `trace` command. */
  | { type: 'resync' }
  | { type: 'recipe'; progress: RecipeProgressView }
  | { type: 'load'; progress: LoadProgress };

/** Browser host wire format (WebSocket). */
export const WsRequestSchema = z.strictObject({ id: z.number().int().min(0), command: z.string().max(64), input: z.unknown().optional() });
export type WsRequest = z.infer<typeof WsRequestSchema>;
export type WsResponse = { type: 'result'; id: number; outcome: Outcome<unknown> } | { type: 'push'; message: PushMessage };



/** Formats a zod error as one line an operator can act on. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
}

/** Validates a command's input; the one check every host runs before anything reaches the Lab. */
export function parseCommand<K extends CommandName>(name: K, input: unknown): Outcome<ParsedInput<K>> {
  const parsed = (commands[name] as z.ZodType).safeParse(input ?? {});
  if (!parsed.success) return { ok: false, error: { kind: 'invalid-input', message: `${name}: ${describeIssues(parsed.error)}` } };
  return { ok: true, value: parsed.data as ParsedInput<K> };
}
