/**
 * The one API between the window and the engine. Both hosts (Electron IPC, the browser host's
 * WebSocket and HTTP) and the renderer import this module: commands are validated with these zod
 * schemas once, where they enter (the bridge's dispatch); results and pushed messages are plain
 * JSON typed here. The contract is standalone: it imports nothing from the engine (main/lab), which
 * imports its vocabulary (settings, trace, events, actions) from here. No Electron, no DOM, no
 * Node-only import: the window bundles it.
 */
import { z } from 'zod';
import type { AuthPayload, BrowserResponse, CookieView, LoginStep } from './browser';
import type { Finding, FlowSummary } from './diagnosis';
import { COMMAND_NAMES, DEMO_LABEL, IPC_PREFIX, IPC_PUSH, MAX_IMPORT_BYTES, TOKEN_HEADER, WS_PROTOCOL, type CommandName } from './names';
import type { CompareRow, ExpectationResult, LoadProgress, LoadSummary } from './recipes';
import { ConfigPatchSchema, type LabConfig } from './settings';
import type { LabInfo, LabSnapshot, NodeStatus, SessionRow } from './snapshot';
import type { LabEvent, LabHar, TraceExchange, TraceItem } from './trace';

export { COMMAND_NAMES, DEMO_LABEL, IPC_PREFIX, IPC_PUSH, MAX_IMPORT_BYTES, TOKEN_HEADER, WS_PROTOCOL, type CommandName };
export { ConfigPatchSchema };
export type { LabConfig, LabInfo, LabSnapshot, NodeStatus, SessionRow, AuthPayload, BrowserResponse, CookieView, LoginStep, LabEvent, TraceExchange, TraceItem, Finding, FlowSummary, LoadProgress, ExpectationResult, CompareRow };

const nodeId = z.string().regex(/^\d{2}$/, 'a node id such as 01');
const browserId = z.string().regex(/^b\d{1,9}$/, 'a virtual browser id such as b1');
const realm = z.string().regex(/^\/[A-Za-z0-9_-]{0,64}$/, 'a realm such as / or /alpha').optional();
const service = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a chain or tree name').optional();
const empty = z.strictObject({});
const DAY = 86_400_000;
const exchangeIds = z.array(z.string().min(1).max(64)).max(50_000);
/** A built-in recipe or variant name; the window never hands the engine a file path. */
const recipeName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'a recipe name such as seed-401');


/** A callbacks step as AM sent it; posted back with inputs filled in (what the ForgeRock SDK does). */
export const AuthPayloadSchema = z.looseObject({
  authId: z.string().min(1).max(64 * 1024),
  callbacks: z
    .array(
      z.looseObject({
        type: z.string().max(200),
        output: z.array(z.looseObject({ name: z.string().max(200), value: z.unknown() })).max(100),
        // TextOutputCallback and RedirectCallback have no input (OpenAM callbackhandlers).
        input: z.array(z.looseObject({ name: z.string().max(200), value: z.unknown() })).max(100).optional(),
        _id: z.number().optional(),
      }),
    )
    .max(100),
});

const login = { browser: browserId, service, realm };
const credentials = { username: z.string().min(1).max(256), password: z.string().max(1024) };

/** Every command: its name and the schema of its input. The renderer's buttons and scripts share these. */
export const commands = {
  info: empty,
  snapshot: empty,
  /** Trace items (exchanges and events, in seq order) after a seq, newest `limit` at most. */
  trace: z.strictObject({ after: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1_000_000).default(20_000) }),
  clearTrace: empty,
  configure: ConfigPatchSchema,
  setNodeCount: z.strictObject({ count: z.number().int().min(1).max(9) }),
  killNode: z.strictObject({ node: nodeId }),
  restartNode: z.strictObject({ node: nodeId }),
  drainNode: z.strictObject({ node: nodeId, drained: z.boolean() }),
  advanceClock: z.strictObject({ ms: z.number().int().min(1).max(366 * DAY) }),
  setClockSpeed: z.strictObject({ speed: z.number().positive().max(1_000_000) }),
  pauseClock: z.strictObject({ paused: z.boolean() }),
  createBrowser: z.strictObject({ name: z.string().trim().max(40).optional() }),
  removeBrowser: z.strictObject({ browser: browserId }),
  cookies: z.strictObject({ browser: browserId }),
  clearCookies: z.strictObject({ browser: browserId }),
  startLogin: z.strictObject(login),
  submitStep: z.strictObject({ ...login, payload: AuthPayloadSchema, values: z.record(z.string().max(200), z.string().max(1024)) }),
  login: z.strictObject({ ...login, ...credentials }),
  zeroPageLogin: z.strictObject({ ...login, ...credentials }),
  validate: z.strictObject({ browser: browserId, realm }),
  refresh: z.strictObject({ browser: browserId, realm }),
  sessionInfo: z.strictObject({ browser: browserId, realm }),
  logout: z.strictObject({ browser: browserId, realm }),
  sessions: empty,
  terminateSession: z.strictObject({ handle: z.string().min(1).max(512) }),
  /** Findings for every 401, failed step, ended session and node loss in the lab's trace. */
  diagnose: empty,
  /** Logins and browser lives in the trace, for the sequence view. */
  flows: empty,
  sequence: z.strictObject({ exchangeIds: exchangeIds.optional(), title: z.string().max(200).optional() }),
  /** HAR 1.2 of the trace; redacted unless `redact: false` is sent on purpose. */
  exportHar: z.strictObject({ redact: z.boolean().default(true), browser: browserId.optional(), exchangeIds: exchangeIds.optional() }),
  /** A customer's (or the lab's) HAR file: checked, then diagnosed and drawn. Nothing is kept. */
  importHar: z.strictObject({ text: z.string().max(MAX_IMPORT_BYTES), name: z.string().max(260).optional() }),
  recipes: empty,
  /** Runs a built-in ticket recipe in this lab (it is brought to the recipe's starting state). */
  runRecipe: z.strictObject({ name: recipeName, variant: recipeName.optional() }),
  /** Broken vs fixed: the recipe under two of its variants, each in a fresh lab of its own. */
  compareRecipe: z.strictObject({ name: recipeName, a: recipeName, b: recipeName }),
  /** Many logins at once through the balancer, each from a fresh virtual browser (bounded). */
  runLoad: z.strictObject({
    logins: z.number().int().min(1).max(100_000),
    concurrency: z.number().int().min(1).max(256),
    thinkMs: z.number().min(0).max(60_000).optional(),
    logout: z.boolean().optional(),
  }),
  /** Stops the recipe or load run in progress (a step in progress finishes first). */
  stopRecipe: empty,
  /** What was done in this lab (settings and actions, with the outcomes seen) as recipe YAML. */
  exportRecipe: z.strictObject({ name: recipeName.optional(), title: z.string().trim().min(1).max(200).optional() }),
  /** Forgets what was done so far: the next export starts from the settings of the next action. */
  clearActionLog: empty,
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

/** One authenticate call and the exchange that carried it: what AM sent and exactly what was submitted. */
export interface StepResult {
  step: LoginStep;
  exchange: TraceExchange | null;
}

export interface CallResult {
  response: BrowserResponse;
  exchange: TraceExchange | null;
}

export interface Results {
  info: LabInfo;
  snapshot: LabSnapshot;
  trace: TraceItem[];
  clearTrace: { cleared: true };
  configure: LabConfig;
  setNodeCount: { nodes: number };
  killNode: { node: string; running: boolean };
  restartNode: { node: string; running: boolean };
  drainNode: { node: string; drained: boolean };
  advanceClock: { now: number };
  setClockSpeed: { speed: number };
  pauseClock: { paused: boolean };
  createBrowser: { id: string; name: string };
  removeBrowser: { removed: string };
  cookies: CookieView[];
  clearCookies: { cleared: string };
  startLogin: StepResult;
  submitStep: StepResult;
  login: { outcome: LoginStep; steps: StepResult[] };
  zeroPageLogin: StepResult;
  validate: CallResult;
  refresh: CallResult;
  sessionInfo: CallResult;
  logout: CallResult;
  sessions: SessionRow[];
  terminateSession: { handle: string; terminated: boolean };
  diagnose: { findings: FindingView[] };
  flows: FlowSummary[];
  sequence: { svg: string; exchanges: number };
  exportHar: HarExport;
  importHar: HarImportView;
  recipes: RecipeSummary[];
  runRecipe: RecipeRunView;
  compareRecipe: CompareView;
  runLoad: LoadView;
  stopRecipe: { stopped: boolean };
  exportRecipe: RecipeExport;
  clearActionLog: { cleared: number };
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
  /** Sequence diagram of the file (SVG text with no script; shown as an image). */
  svg: string;
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
  snapshot: LabSnapshot;
  /** Each virtual browser's cookie jar, expiry judged on the lab clock. */
  jars: Record<string, CookieView[]>;
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
