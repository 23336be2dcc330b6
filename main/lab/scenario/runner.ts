import type { LabConfig } from '../config';
import type { RecipeSettings } from '../../contract/settings';
import type { VirtualBrowser } from '../client/browser';
import { Lab, type LabOptions } from '../lab';
import { perform, type Performed } from '../perform';
import type { LabEvent, TraceItem } from '../trace/types';
import type { ActionLog } from './actionLog';
import { evaluate, type ExpectationResult } from './expect';
import { bindStep } from './grammar';
import type { LoadProgress } from './load';
import { observe, summarize, type Observation } from './observe';
import { stepNote, type Recipe, type RecipeStep, type RecipeUser } from './schema';
import { prepareLab } from './prepare';

/** A recipe user during a run: its credentials and the virtual browser it acts through. */
interface UserState extends RecipeUser {
  name: string;
  browser: VirtualBrowser;
}

/** What one step of a recipe run came to: its observation and each expectation checked. */
export interface RecipeStepResult {
  index: number;
  line: number;
  label: string;
  note?: string;
  status: 'passed' | 'failed' | 'error' | 'skipped';
  /** Seq range of the trace items recorded during the step (null when none), for highlighting. */
  seq: { from: number; to: number } | null;
  /** Real milliseconds the step took, and the lab clock when it started. */
  durationMs: number;
  labTime: number;
  summary: string;
  observation: Observation | null;
  expectations: ExpectationResult[];
  error?: string;
}

export interface RecipeResult {
  name: string;
  title: string;
  variant: string | null;
  passed: boolean;
  aborted: boolean;
  steps: RecipeStepResult[];
  expectations: ExpectationResult[];
  /** The trace of the run in seq order (load steps contribute their sample). */
  items: TraceItem[];
  /** Lab settings when the first step ran. */
  settings: LabConfig;
  /** Recipe user → virtual browser id, so the window can show their jars. */
  browsers: Record<string, string>;
  durationMs: number;
  labElapsedMs: number;
}

export type RecipeProgress =
  | { type: 'run-started'; recipe: string; variant: string | null; steps: { index: number; line: number; label: string; note?: string }[] }
  | { type: 'step-started'; index: number; label: string; line: number }
  | { type: 'step-finished'; index: number; step: RecipeStepResult }
  | { type: 'load-progress'; index: number; progress: LoadProgress }
  | { type: 'run-finished'; result: RecipeResult };

export interface RunOptions {
  /** One of the recipe's variants (its settings and its expectations). */
  variant?: string;
  /** Settings applied on top of the recipe's and the variant's. */
  overrides?: RecipeSettings;
  /**
   * Run in this lab (the window's) instead of a fresh one. It is brought to the recipe's starting
   * state (settings over the defaults, all nodes up, round-robin at the first node), not stopped.
   */
  lab?: Lab;
  /** Extra options for the fresh lab (e.g. port). */
  labOptions?: Omit<LabOptions, keyof RecipeSettings>;
  onProgress?: (e: RecipeProgress) => void;
  /** Stops the run before its next step (a load in progress stops too). */
  signal?: AbortSignal;
  /**
   * The lab's action log (a run in the window's lab): it starts over from the recipe's starting
   * state and records each step's action, so exporting it gives the recipe back.
   */
  log?: ActionLog;
}

/**
 * Runs a recipe on the lab clock: the clock is paused at the start and only moves when a step
 * advances it, so a 30-minute idle timeout takes no real time. Steps perform real traffic through
 * the balancer; expectations are checked against what the trace then shows.
 */
export async function runRecipe(recipe: Recipe, opts: RunOptions = {}): Promise<RecipeResult> {
  const variant = opts.variant ?? null;
  if (variant !== null && !(variant in recipe.variants)) {
    throw new RangeError(`Recipe ${recipe.name} has no variant "${variant}"${Object.keys(recipe.variants).length ? ` (variants: ${Object.keys(recipe.variants).join(', ')})` : ''}`);
  }
  const patch: RecipeSettings = { ...recipe.cluster, ...(variant ? recipe.variants[variant] : {}), ...opts.overrides };
  const signal = opts.signal ?? new AbortController().signal;
  const emit = (e: RecipeProgress) => {
    try {
      opts.onProgress?.(e);
    } catch {
      // A broken progress listener must not break the run.
    }
  };
  const t0 = performance.now();
  const lab = opts.lab ?? (await Lab.start({ ...opts.labOptions, ...patch }));
  const wasPaused = lab.clock.state().paused;
  const collector = new Collector(lab);
  const steps: RecipeStepResult[] = [];
  let aborted = false;
  let labStart = 0;
  const users = new Map<string, UserState>();
  try {
    if (opts.lab) await prepareLab(lab, patch);
    await lab.pauseClock(true);
    labStart = lab.clock.now();
    for (const [name, creds] of Object.entries(recipe.users)) {
      const b = lab.createBrowser(name);
      users.set(name, { name, ...creds, browser: b });
    }
    const settings = lab.config;
    opts.log?.clear();
    emit({ type: 'run-started', recipe: recipe.name, variant, steps: recipe.steps.map((step) => ({ index: step.index, line: step.line, label: step.label, note: stepNote(step, variant) })) });

    let broken = false;
    for (const step of recipe.steps) {
      if (signal.aborted) {
        aborted = true;
        steps.push(skipped(step, variant, 'the run was stopped'));
        continue;
      }
      if (broken) {
        steps.push(skipped(step, variant, 'an earlier step could not run'));
        continue;
      }
      const result = await runStep(lab, step, variant, users, collector, signal, emit, opts.log);
      steps.push(result);
      if (result.status === 'error') broken = true;
    }
    const expectations = steps.flatMap((s) => s.expectations);
    const result: RecipeResult = {
      name: recipe.name,
      title: recipe.title,
      variant,
      passed: !aborted && steps.every((s) => s.status === 'passed'),
      aborted,
      steps,
      expectations,
      items: collector.all(),
      settings,
      browsers: Object.fromEntries([...users.values()].map((u) => [u.name, u.browser.id])),
      durationMs: Math.round(performance.now() - t0),
      labElapsedMs: lab.clock.now() - labStart,
    };
    emit({ type: 'run-finished', result });
    return result;
  } finally {
    collector.stop();
    if (!opts.lab) await lab.stop();
    else if (!wasPaused) await lab.pauseClock(false);
  }
}

async function runStep(
  lab: Lab,
  step: RecipeStep,
  variant: string | null,
  users: Map<string, UserState>,
  collector: Collector,
  signal: AbortSignal,
  emit: (e: RecipeProgress) => void,
  log: ActionLog | undefined,
): Promise<RecipeStepResult> {
  emit({ type: 'step-started', index: step.index, label: step.label, line: step.line });
  const t0 = performance.now();
  const labTime = lab.clock.now();
  const mark = collector.mark(step.action.action === 'load');
  let error: string | undefined;
  let done: Performed | undefined;
  const user = 'user' in step.action ? users.get(step.action.user)! : undefined;
  try {
    const action = bindStep(step.action, (name) => {
      const u = users.get(name)!;
      return { browser: u.browser.id, username: u.username, password: u.password };
    });
    log?.before(lab);
    done = await perform(lab, action, { signal, onLoad: (progress) => emit({ type: 'load-progress', index: step.index, progress }) });
    log?.record(lab, done);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  lab.recorder.flush();
  const { items, seq } = collector.since(mark, done?.load?.sampleItems);
  // The step's user's sessions, or every recipe user's for a cluster step.
  const handles = new Set(user ? user.browser.sessionHandles : [...users.values()].flatMap((u) => u.browser.sessionHandles));
  const observation: Observation = {
    ...observe({
      exchanges: done?.exchanges ?? [],
      events: items.filter((i): i is LabEvent => i.kind === 'event'),
      userBrowser: user?.browser.id ?? null,
      jar: user ? await user.browser.cookies() : [],
      handles,
      labNow: lab.clock.now(),
    }),
    ...(done?.cluster ? { activeSessions: done.cluster.activeSessions.filter((h) => handles.has(h)).length, nodeState: done.cluster.nodeState } : {}),
    ...(done?.load ? { load: done.load } : {}),
    ...(error !== undefined ? { error } : {}),
  };
  const exp = step.expect[variant ?? '*'] ?? (variant ? step.expect['*'] : undefined) ?? {};
  const expectations = error !== undefined ? [] : evaluate(exp, observation, step);
  if (error !== undefined) {
    const description = `step ${step.index + 1} (line ${step.line}) ${step.label}: ran`;
    expectations.push({ step: step.index, line: step.line, description, passed: false, expected: 'the step to run', observed: error, message: `${description}: it could not run: ${error}` });
  }
  const status = error !== undefined ? 'error' : expectations.every((e) => e.passed) ? 'passed' : 'failed';
  const result: RecipeStepResult = {
    index: step.index,
    line: step.line,
    label: step.label,
    ...(stepNote(step, variant) ? { note: stepNote(step, variant) } : {}),
    status,
    seq,
    durationMs: Math.round(performance.now() - t0),
    labTime,
    summary: summarize(observation),
    observation: { ...observation, load: observation.load ? { ...observation.load, sampleItems: [] } : undefined },
    expectations,
    ...(error !== undefined ? { error } : {}),
  };
  emit({ type: 'step-finished', index: step.index, step: result });
  return result;
}

function skipped(step: RecipeStep, variant: string | null, why: string): RecipeStepResult {
  return { index: step.index, line: step.line, label: step.label, note: stepNote(step, variant), status: 'skipped', seq: null, durationMs: 0, labTime: 0, summary: `skipped: ${why}`, observation: null, expectations: [] };
}

/**
 * Collects the run's trace items from the lab's subscription, step by step. During a load step it
 * keeps only the seq range (the load's own sample is added instead), so memory stays bounded.
 */
class Collector {
  private readonly items: TraceItem[] = [];
  private readonly unsubscribe: () => void;
  private dropping = false;
  private first: number | null = null;
  private last: number | null = null;

  constructor(lab: Lab) {
    lab.recorder.flush(); // what happened before the run is not part of it
    this.unsubscribe = lab.subscribe((batch) => {
      for (const item of batch) {
        this.first ??= item.seq;
        this.last = item.seq;
        if (!this.dropping) this.items.push(item);
      }
    });
  }

  mark(drop: boolean): { at: number } {
    this.dropping = drop;
    this.first = null;
    this.last = null;
    return { at: this.items.length };
  }

  since(mark: { at: number }, extra: TraceItem[] = []): { items: TraceItem[]; seq: { from: number; to: number } | null } {
    this.dropping = false;
    if (extra.length) this.items.push(...extra);
    const seq = this.first !== null && this.last !== null ? { from: this.first, to: this.last } : null;
    return { items: this.items.slice(mark.at), seq };
  }

  all(): TraceItem[] {
    return [...this.items].sort((a, b) => a.seq - b.seq);
  }

  stop(): void {
    this.unsubscribe();
  }
}
