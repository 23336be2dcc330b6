/**
 * The operation registry: every command of the contract mapped to the Lab facade. The window's
 * buttons, the browser host's HTTP API and scripts all go through here, so every button has a
 * scriptable twin. Handlers only adapt the facade; the engine does the work.
 */
import { DEMO_USER } from './lab/config';
import { VirtualBrowser } from './lab/client/browser';
import { LabError, type Lab } from './lab/lab';
import type { TraceExchange } from './lab/trace/types';
import type { AuthPayload } from './lab/client/browser';
import { DEMO_LABEL, commands, isCommandName, parseCommand, type CommandName, type FindingView, type Outcome, type ParsedInput, type PushMessage, type RecipeRunView, type RecipeStepView, type Results } from './contract';
import { builtinRecipes, compareRecipe, loadRecipe, runLoad, runRecipe, RecipeError, RunController, type RecipeResult, type StepResult as RecipeStep } from './lab/scenario';
import { diagnose, explain, type Finding } from './lab/trace/diagnose';
import { listFlows } from './lab/trace/flows';
import { exportHar } from './lab/trace/har';
import { HarImportError, importHar } from './lab/trace/harImport';
import { sequenceSvg } from './lab/trace/sequence';
import type { RecordedAction } from './lab/scenario/export';
import { actionLogOf, browserOfHandle, credentialsOf, observed, ticketPatch, type ActionLog } from './actionLog';

/** What an operation may do besides answering: push progress to the windows (recipe runs). */
export interface OperationContext {
  push(message: PushMessage): void;
}

export interface Operation<K extends CommandName> {
  run(lab: Lab, input: ParsedInput<K>, ctx: OperationContext): Promise<Results[K]> | Results[K];
}

type Registry = { [K in CommandName]: Operation<K> };

/** Seq of the newest exchange so far: the exchanges a call makes come after it. */
function lastSeq(lab: Lab): number {
  const all = lab.recorder.exchanges();
  return all.length ? all[all.length - 1]!.seq : 0;
}

/** The exchange a virtual browser's call produced (the balancer records it before the reply is read). */
function exchangeOf(lab: Lab, browser: string, after: number): TraceExchange | null {
  const all = lab.recorder.exchanges();
  for (let i = all.length - 1; i >= 0 && all[i]!.seq > after; i--) if (all[i]!.browser === browser) return all[i]!;
  return null;
}

/** Runs one browser call and pairs its answer with the exchange that carried it. */
async function traced<T>(lab: Lab, browser: string, call: () => Promise<T>): Promise<{ value: T; exchange: TraceExchange | null }> {
  const after = lastSeq(lab);
  const value = await call();
  return { value, exchange: exchangeOf(lab, browser, after) };
}

export const operations: Registry = {
  info: {
    run: (lab) => ({ ...lab.info(), demo: { ...DEMO_USER, label: DEMO_LABEL } }),
  },
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
  configure: {
    run: (lab, patch) =>
      recorded(lab, () => lab.configure(patch), () => {
        const p = ticketPatch(patch);
        return p && { action: 'configure', patch: p };
      }),
  },
  setNodeCount: {
    run: (lab, { count }) =>
      recorded(
        lab,
        async () => {
          await lab.setNodeCount(count);
          return { nodes: lab.nodes.length };
        },
        () => ({ action: 'configure', patch: { nodes: count } }),
      ),
  },
  killNode: {
    run: (lab, { node }) =>
      recorded(
        lab,
        async () => {
          await lab.killNode(node);
          return { node, running: lab.node(node).running };
        },
        () => ({ action: 'kill-node', node }),
      ),
  },
  restartNode: {
    run: (lab, { node }) =>
      recorded(
        lab,
        async () => {
          await lab.restartNode(node);
          return { node, running: lab.node(node).running };
        },
        () => ({ action: 'restart-node', node }),
      ),
  },
  drainNode: {
    run: (lab, { node, drained }) =>
      recorded(
        lab,
        () => {
          lab.drainNode(node, drained);
          return { node, drained };
        },
        () => ({ action: drained ? 'drain-node' : 'undrain-node', node }),
      ),
  },
  advanceClock: {
    run: (lab, { ms }) =>
      recorded(
        lab,
        () => {
          lab.advanceClock(ms);
          return { now: lab.clock.now() };
        },
        () => ({ action: 'wait', ms }),
      ),
  },
  setClockSpeed: {
    run: (lab, { speed }) => {
      lab.setClockSpeed(speed);
      return { speed };
    },
  },
  pauseClock: {
    run: (lab, { paused }) => {
      lab.pauseClock(paused);
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
  startLogin: {
    run: async (lab, { browser, service, realm }) => {
      const b = lab.browser(browser);
      return recorded(
        lab,
        async () => {
          const { value, exchange } = await traced(lab, browser, () => b.startLogin({ service, realm }));
          return { step: value, exchange };
        },
        (r, log) => ({ action: 'login-start', user: log.user(lab, browser), service, realm, observed: observed(lab, r.exchange) }),
      );
    },
  },
  submitStep: {
    run: async (lab, { browser, service, realm, payload, values }) => {
      const b = lab.browser(browser);
      return recorded(
        lab,
        async () => {
          const { value, exchange } = await traced(lab, browser, () => b.submit(payload as AuthPayload, values, { service, realm }));
          return { step: value, exchange };
        },
        (r, log) => ({ action: 'login-next', user: log.user(lab, browser, credentialsOf(payload as AuthPayload, values)), realm, observed: observed(lab, r.exchange) }),
      );
    },
  },
  login: {
    // The same steps as VirtualBrowser.login, one call each, so every step keeps its exchange.
    run: (lab, { browser, service, realm, username, password }) =>
      recorded(
        lab,
        async () => {
          const b = lab.browser(browser);
          const steps: Results['login']['steps'] = [];
          const first = await traced(lab, browser, () => b.startLogin({ service, realm }));
          steps.push({ step: first.value, exchange: first.exchange });
          let step = first.value;
          for (let i = 0; step.kind === 'callbacks' && i < 10; i++) {
            const payload = step.payload;
            const next = await traced(lab, browser, () => b.submit(payload, VirtualBrowser.answers(payload, username, password), { service, realm }));
            steps.push({ step: next.value, exchange: next.exchange });
            step = next.value;
          }
          return { outcome: step, steps };
        },
        (r, log) => ({ action: 'login', user: log.user(lab, browser, { username, password }), service, realm, observed: observed(lab, r.steps.at(-1)?.exchange ?? null) }),
      ),
  },
  zeroPageLogin: {
    run: async (lab, { browser, service, realm, username, password }) => {
      const b = lab.browser(browser);
      return recorded(
        lab,
        async () => {
          const { value, exchange } = await traced(lab, browser, () => b.zeroPageLogin(username, password, { service, realm }));
          return { step: value, exchange };
        },
        (r, log) => ({ action: 'zero-page-login', user: log.user(lab, browser, { username, password }), realm, observed: observed(lab, r.exchange) }),
      );
    },
  },
  validate: { run: (lab, { browser, realm }) => call(lab, browser, 'validate', realm, (b) => b.validate(realm)) },
  refresh: { run: (lab, { browser, realm }) => call(lab, browser, 'refresh', realm, (b) => b.refresh(realm)) },
  sessionInfo: { run: (lab, { browser, realm }) => call(lab, browser, 'access', realm, (b) => b.sessionInfo(realm)) },
  logout: { run: (lab, { browser, realm }) => call(lab, browser, 'logout', realm, (b) => b.logout(realm)) },
  sessions: { run: (lab) => lab.sessionRows() },
  terminateSession: {
    run: (lab, { handle }) => {
      // A recipe terminates a user's newest session; a handle that is not one cannot be written down.
      const browser = browserOfHandle(lab, handle);
      return recorded(
        lab,
        async () => ({ handle, terminated: await lab.terminateSession(handle) }),
        (r, log) => (browser && r.terminated && lab.browsers.has(browser) ? { action: 'admin-terminate', user: log.user(lab, browser) } : undefined),
      );
    },
  },
  diagnose: { run: (lab) => ({ findings: findingViews(diagnose(lab.recorder.items())) }) },
  flows: { run: (lab) => listFlows(lab.recorder.items()) },
  sequence: {
    run: (lab, { exchangeIds, title }) => {
      const items = lab.recorder.items();
      return { svg: sequenceSvg(items, { exchangeIds, title }), exchanges: exchangeIds?.length ?? items.filter((i) => i.kind === 'exchange').length };
    },
  },
  exportHar: {
    run: (lab, { redact, browser, exchangeIds }) => {
      const browserNames = Object.fromEntries([...lab.browsers.values()].map((b) => [b.id, b.name]));
      const har = exportHar(lab.recorder.items(), { redact, browser, exchangeIds, browserNames, redactOptions: { knownSecrets: [{ value: lab.users.adminPassword, kind: 'password' }] } });
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
      return {
        name: name ?? 'imported.har',
        creator: r.creator,
        redaction: r.redaction,
        warnings: r.warnings,
        exchanges: r.items.filter((i) => i.kind === 'exchange').length,
        events: r.items.filter((i) => i.kind === 'event').length,
        findings: findingViews(diagnose(r.items)),
        svg: sequenceSvg(r.items, { title: name }),
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
      const controller = new RunController();
      runs.set(lab, controller);
      try {
        const result = await runRecipe(recipe, {
          variant,
          lab,
          controller,
          onProgress: (e) => {
            if (e.type === 'run-finished') return; // the command's answer carries the result
            ctx.push({ type: 'recipe', progress: e.type === 'step-finished' ? { type: e.type, index: e.index, step: stepView(e.step) } : e.type === 'step-started' ? { type: e.type, index: e.index } : e });
          },
        });
        const view = runView(result);
        ctx.push({ type: 'recipe', progress: { type: 'run-finished', result: view } });
        return view;
      } finally {
        runs.delete(lab);
        // The recipe brought the lab to its own starting state: what was done before no longer leads here.
        actionLogOf(lab).clear();
      }
    },
  },
  compareRecipe: {
    run: async (_lab, { name, a, b }) => {
      const c = await compareRecipe(loadRecipe(name), a, b);
      return { recipe: c.recipe, title: c.title, a: { label: c.a.label, passed: c.a.result.passed }, b: { label: c.b.label, passed: c.b.result.passed }, rows: c.rows };
    },
  },
  runLoad: {
    run: async (lab, { logins, concurrency, thinkMs, logout }, ctx) => {
      if (runs.has(lab)) throw new LabError('A recipe or load run is already going in this lab: stop it first');
      actionLogOf(lab).before(lab);
      const abort = new AbortController();
      runs.set(lab, { stop: () => abort.abort() });
      try {
        const { sampleItems: _sample, ...result } = await runLoad(lab, { logins, concurrency, thinkMs, logout, signal: abort.signal }, (progress) => ctx.push({ type: 'load', progress }));
        actionLogOf(lab).record(lab, { action: 'load', logins: result.aborted ? result.attempted : logins, concurrency, ...(thinkMs !== undefined ? { thinkMs } : {}) });
        return result;
      } finally {
        runs.delete(lab);
      }
    },
  },
  stopRecipe: {
    run: (lab) => {
      const c = runs.get(lab);
      c?.stop();
      return { stopped: !!c };
    },
  },
  exportRecipe: {
    run: (lab, { name, title }) => {
      const r = actionLogOf(lab).export({ name, title });
      return { ...r, fileName: `${name ?? 'exported-reproduction'}.yaml` };
    },
  },
  clearActionLog: { run: (lab) => ({ cleared: actionLogOf(lab).clear() }) },
};

/**
 * Runs a user-level action and writes it to the lab's action log with what it showed, so the
 * window's session can be exported as a recipe. A failed action is not written.
 */
async function recorded<T>(lab: Lab, run: () => Promise<T> | T, action: (value: T, log: ActionLog) => RecordedAction | undefined): Promise<T> {
  const log = actionLogOf(lab);
  log.before(lab);
  const value = await run();
  const a = action(value, log);
  if (a) log.record(lab, a);
  return value;
}

/** The recipe or load run in progress per lab (one at a time), so Stop has something to stop. */
const runs = new WeakMap<Lab, { stop(): void }>();

function findingViews(findings: Finding[]): FindingView[] {
  return findings.map((f) => ({ ...f, text: explain(f) }));
}

function stepView(s: RecipeStep): RecipeStepView {
  return { index: s.index, line: s.line, label: s.label, ...(s.note ? { note: s.note } : {}), status: s.status, summary: s.summary, ...(s.error ? { error: s.error } : {}), expectations: s.expectations, seq: s.seq };
}

/** The run without its trace copy and observations: the window already has the trace. */
function runView(r: RecipeResult): RecipeRunView {
  return { name: r.name, title: r.title, variant: r.variant, passed: r.passed, aborted: r.aborted, steps: r.steps.map(stepView), browsers: r.browsers, durationMs: r.durationMs, labElapsedMs: r.labElapsedMs };
}

async function call(lab: Lab, browser: string, action: 'validate' | 'refresh' | 'access' | 'logout', realm: string | undefined, fn: (b: VirtualBrowser) => Promise<Results['validate']['response']>): Promise<Results['validate']> {
  const b = lab.browser(browser);
  return recorded(
    lab,
    async () => {
      const { value, exchange } = await traced(lab, browser, () => fn(b));
      return { response: value, exchange };
    },
    (r, log) => ({ action, user: log.user(lab, browser), realm, observed: observed(lab, r.exchange) }),
  );
}

/**
 * Validates and runs one command. Never throws: a bad name or input is refused before the engine
 * sees it, an operator mistake (LabError, RangeError from the clock) comes back as its message.
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
