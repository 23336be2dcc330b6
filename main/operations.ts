/**
 * The commands of the contract, each mapped to the engine: `perform` hands an Action to the one
 * executor (and writes it to the lab's action log), the others read the lab or manage the window's
 * session. The window's buttons, the browser host's HTTP API and scripts all come through here.
 * Handlers only adapt; the engine does the work.
 */
import type { ActionResult } from './contract/actions';
import { DEMO_LABEL, DEMO_USER } from './contract/names';
import { commands, isCommandName, parseCommand, type CommandName, type FindingView, type Outcome, type ParsedInput, type PushMessage, type RecipeRunView, type RecipeStepView, type Results } from './contract';
import { LabError, type Lab } from './lab/lab';
import { perform, type Performed } from './lab/perform';
import { actionLogOf, builtinRecipes, compareRecipe, loadRecipe, runRecipe, RecipeError, type RecipeResult, type RecipeStepResult } from './lab/scenario';
import { diagnose, explain, type Finding } from './lab/trace/diagnose';
import { listFlows } from './lab/trace/flows';
import { exportHar } from './lab/trace/har';
import { HarImportError, importHar } from './lab/trace/harImport';
import { sequenceModel } from './lab/trace/sequence';
import { amSideOf, checkConfigText } from './lab/lbconfig/view';
import { sequenceSvg } from './sequenceSvg';
import { sessionPage } from './windowViews';

/** What an operation may do besides answering: push progress to the windows (recipe and load runs). */
export interface OperationContext {
  push(message: PushMessage): void;
}

export interface Operation<K extends CommandName> {
  run(lab: Lab, input: ParsedInput<K>, ctx: OperationContext): Promise<Results[K]> | Results[K];
}

type Registry = { [K in CommandName]: Operation<K> };

export const operations: Registry = {
  info: { run: (lab) => ({ ...lab.info(), demo: { ...DEMO_USER, label: DEMO_LABEL } }) },
  snapshot: { run: (lab) => lab.snapshot() },
  trace: {
    run: (lab, { after, limit }) => {
      const items = lab.recorder.items().filter((i) => i.seq > after);
      return items.length > limit ? items.slice(items.length - limit) : items;
    },
  },
  clearTrace: {
    run: (lab) => {
      lab.recorder.clear();
      return { cleared: true };
    },
  },
  perform: {
    run: async (lab, action, ctx) => {
      const log = actionLogOf(lab);
      if (action.action !== 'load') {
        log.before(lab);
        const done = await perform(lab, action);
        log.record(lab, done);
        return view(done);
      }
      // A load runs long: one run at a time per lab, with progress pushed and Stop able to end it.
      if (runs.has(lab)) throw new LabError('A recipe or load run is already going in this lab: stop it first');
      log.before(lab);
      const abort = new AbortController();
      runs.set(lab, abort);
      try {
        const done = await perform(lab, action, { signal: abort.signal, onLoad: (progress) => ctx.push({ type: 'load', progress }) });
        // A stopped load is written as the logins it attempted.
        log.record(lab, done.load?.aborted ? { ...done, action: { ...action, logins: done.load.attempted, durationMs: undefined } } : done);
        return view(done);
      } finally {
        runs.delete(lab);
      }
    },
  },
  setClockSpeed: {
    run: async (lab, { speed }) => {
      await lab.setClockSpeed(speed);
      return { speed };
    },
  },
  pauseClock: {
    run: async (lab, { paused }) => {
      await lab.pauseClock(paused);
      return { paused };
    },
  },
  createBrowser: {
    run: (lab, { name }) => {
      const b = lab.createBrowser(name);
      return { id: b.id, name: b.name };
    },
  },
  removeBrowser: {
    run: (lab, { browser }) => {
      lab.browser(browser);
      lab.removeBrowser(browser);
      actionLogOf(lab).forget(browser);
      return { removed: browser };
    },
  },
  cookies: { run: (lab, { browser }) => lab.browser(browser).cookies() },
  clearCookies: {
    run: async (lab, { browser }) => {
      await lab.browser(browser).clearCookies();
      // A recipe user's jar cannot be emptied: the same browser plays a new user from here on.
      actionLogOf(lab).forget(browser);
      return { cleared: browser };
    },
  },
  sessions: { run: (lab) => lab.sessionRows() },
  sessionPage: { run: (lab, query) => sessionPage(lab, query) },
  diagnose: { run: (lab) => ({ findings: findingViews(diagnose(lab.recorder.items())) }) },
  flows: { run: (lab) => listFlows(lab.recorder.items()) },
  sequence: {
    run: (lab, { exchangeIds, title }) => {
      const items = lab.recorder.items();
      const model = sequenceModel(items, { exchangeIds, title });
      return { model, svg: sequenceSvg(model), exchanges: exchangeIds?.length ?? items.filter((i) => i.kind === 'exchange').length };
    },
  },
  exportHar: {
    run: (lab, { redact, browser, exchangeIds }) => {
      const browserNames = Object.fromEntries([...lab.browsers.values()].map((b) => [b.id, b.name]));
      const har = exportHar(lab.recorder.items(), { redact, browser, exchangeIds, browserNames, redactOptions: { knownSecrets: lab.secrets() } });
      const stamp = new Date(lab.clock.now()).toISOString().replace(/[:.]/g, '-').slice(0, 19);
      return {
        har,
        // An unredacted file says so in its name, so nobody attaches it to a ticket by mistake.
        fileName: `am-session-lab-${stamp}${browser ? `-${browser}` : ''}${redact ? '' : '.UNREDACTED'}.har`,
        entries: har.log.entries.length,
        redacted: redact,
        counts: { ...(har.log._redaction?.counts ?? {}) } as Record<string, number>,
      };
    },
  },
  importHar: {
    run: (_lab, { text, name }) => {
      const r = importHar(text);
      const sequence = sequenceModel(r.items, { title: name });
      return {
        name: name ?? 'imported.har',
        creator: r.creator,
        redaction: r.redaction,
        warnings: r.warnings,
        exchanges: r.items.filter((i) => i.kind === 'exchange').length,
        events: r.items.filter((i) => i.kind === 'event').length,
        findings: findingViews(diagnose(r.items)),
        sequence,
        svg: sequenceSvg(sequence),
        items: r.items,
      };
    },
  },
  recipes: {
    run: () =>
      builtinRecipes().map((b) => {
        const r = loadRecipe(b.name);
        return { name: b.name, title: b.title, description: b.description, variants: Object.keys(r.variants), steps: r.steps.length };
      }),
  },
  runRecipe: {
    run: async (lab, { name, variant }, ctx) => {
      if (runs.has(lab)) throw new LabError('A recipe or load run is already going in this lab: stop it first');
      const recipe = loadRecipe(name);
      const abort = new AbortController();
      runs.set(lab, abort);
      try {
        // In a lab of its own, as compare runs: a recipe pauses and advances the clock, restarts nodes and
        // changes settings, none of which could be undone in the window's lab (its sessions would have expired).
        const result = await runRecipe(recipe, {
          variant,
          signal: abort.signal,
          onProgress: (e) => {
            if (e.type === 'run-finished') return; // the command's answer carries the result
            ctx.push({ type: 'recipe', progress: e.type === 'step-finished' ? { type: e.type, index: e.index, step: stepView(e.step) } : e.type === 'step-started' ? { type: e.type, index: e.index } : e });
          },
        });
        const run = runView(result);
        ctx.push({ type: 'recipe', progress: { type: 'run-finished', result: run } });
        return run;
      } finally {
        runs.delete(lab);
      }
    },
  },
  compareRecipe: {
    run: async (_lab, { name, a, b }) => {
      const c = await compareRecipe(loadRecipe(name), a, b);
      return { recipe: c.recipe, title: c.title, a: { label: c.a.label, passed: c.a.result.passed }, b: { label: c.b.label, passed: c.b.result.passed }, rows: c.rows };
    },
  },
  stopRun: {
    run: (lab) => {
      const run = runs.get(lab);
      run?.abort();
      return { stopped: !!run };
    },
  },
  exportRecipe: {
    run: (lab, { name, title }) => {
      const r = actionLogOf(lab).export({ name, title });
      return { ...r, fileName: `${name ?? 'exported-reproduction'}.yaml` };
    },
  },
  clearActionLog: { run: (lab) => ({ cleared: actionLogOf(lab).clear() }) },
  checkLbConfig: { run: (lab, { text, name }) => checkConfigText(text, name ?? 'pasted configuration', lab.nodes.map((n) => n.id), amSideOf(lab.config)) },
};

/** The recipe or load run in progress per lab (one at a time), so Stop has something to stop. */
const runs = new WeakMap<Lab, AbortController>();

/** An action's result for the window: a load without its trace sample (the window has the trace). */
function view(done: Performed): ActionResult {
  if (!done.load) return done as ActionResult;
  const { sampleItems: _sample, ...load } = done.load;
  return { ...done, load };
}

function findingViews(findings: Finding[]): FindingView[] {
  return findings.map((f) => ({ ...f, text: explain(f) }));
}

function stepView(s: RecipeStepResult): RecipeStepView {
  return { index: s.index, line: s.line, label: s.label, ...(s.note ? { note: s.note } : {}), status: s.status, summary: s.summary, ...(s.error ? { error: s.error } : {}), expectations: s.expectations, seq: s.seq };
}

/** The run without its observations, with its trace (it ran in a lab of its own, which is gone). */
function runView(r: RecipeResult): RecipeRunView {
  const items = r.items.length > RUN_ITEMS ? r.items.slice(-RUN_ITEMS) : r.items;
  return { name: r.name, title: r.title, variant: r.variant, passed: r.passed, aborted: r.aborted, steps: r.steps.map(stepView), browsers: r.browsers, durationMs: r.durationMs, labElapsedMs: r.labElapsedMs, items };
}

/** The most trace items a recipe run hands the window (a load step's sample included). */
const RUN_ITEMS = 20_000;

/**
 * Validates and runs one command: the one place input from a host (IPC, HTTP, WebSocket) is
 * checked. Never throws: a bad name or input is refused before the engine sees it, an operator
 * mistake (LabError, RangeError from the clock) comes back as its message.
 */
export async function dispatch(lab: Lab, name: unknown, input: unknown, ctx: OperationContext = { push: () => undefined }): Promise<Outcome<unknown>> {
  if (!isCommandName(name)) return { ok: false, error: { kind: 'unknown-command', message: `Unknown command ${JSON.stringify(String(name)).slice(0, 80)}; commands are ${Object.keys(commands).join(', ')}` } };
  const parsed = parseCommand(name, input);
  if (!parsed.ok) return parsed;
  try {
    const op = operations[name] as Operation<CommandName>;
    return { ok: true, value: await op.run(lab, parsed.value as ParsedInput<CommandName>, ctx) };
  } catch (e) {
    // Operator mistakes and unusable files: their messages are written for the person who made them.
    if (e instanceof LabError || e instanceof RangeError || e instanceof HarImportError || e instanceof RecipeError) return { ok: false, error: { kind: 'lab-error', message: e.message } };
    return { ok: false, error: { kind: 'internal', message: `${name} failed: ${(e as Error)?.message ?? String(e)}` } };
  }
}
