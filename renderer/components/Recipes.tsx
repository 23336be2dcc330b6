import { useEffect, useState } from 'react';
import type { CompareView, LoadView, RecipeExport, RecipeStepView, RecipeSummary } from '../../main/contract';
import { download } from '../lib/download';
import { formatDuration } from '../lib/format';
import { useLab, useStore } from '../state/store';
import { Badge, Button, CodeBlock, EmptyState } from './ui';
import '../styles/recipes.css';

const STATUS: Record<RecipeStepView['status'], { tone: 'ok' | 'error' | 'warn' | 'info' | 'neutral'; text: string }> = {
  passed: { tone: 'ok', text: 'passed' },
  failed: { tone: 'error', text: 'failed' },
  error: { tone: 'error', text: 'could not run' },
  skipped: { tone: 'neutral', text: 'skipped' },
  running: { tone: 'info', text: 'running' },
  pending: { tone: 'neutral', text: 'pending' },
};

function Compare({ c }: { c: CompareView }) {
  return (
    <div data-testid="recipe-compare">
      <div className="card-head">
        <h3 className="card-title">{c.recipe}: {c.a.label} vs {c.b.label}</h3>
      </div>
      <p className="small muted">Each side ran in a fresh lab of its own, same steps, same clock.</p>
      <table className="grid-table" aria-label="Comparison">
        <thead>
          <tr>
            <th>Step</th>
            <th>
              {c.a.label} <Badge tone={c.a.passed ? 'ok' : 'error'}>{c.a.passed ? 'as expected' : 'unexpected'}</Badge>
            </th>
            <th>
              {c.b.label} <Badge tone={c.b.passed ? 'ok' : 'error'}>{c.b.passed ? 'as expected' : 'unexpected'}</Badge>
            </th>
          </tr>
        </thead>
        <tbody>
          {c.rows.map((r) => (
            <tr key={r.index} className={r.differs ? 'differs' : ''}>
              <td className="mono">{r.label}</td>
              {[r.a, r.b].map((cell, i) => (
                <td key={i} className={cell.httpStatus !== null && cell.httpStatus >= 400 ? 'cell-error' : ''}>
                  {cell.httpStatus ?? '—'} {cell.message ?? ''} {cell.node && <span className="chip">{cell.node}</span>}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LoadResultView({ r }: { r: LoadView }) {
  return (
    <div data-testid="load-result">
      <div className="card-head">
        <h3 className="card-title">
          {r.attempted} logins, {r.concurrency} at a time
        </h3>
        <Badge tone={r.failed ? 'error' : 'ok'}>{Math.round(r.failureRate * 1000) / 10}% failed</Badge>
      </div>
      <p className="small muted">
        {r.settings.policy} · {r.settings.auth} · {r.settings.nodes} nodes · {r.loginsPerSecond.toFixed(0)} logins/s · p50 {Math.round(r.latency.p50)} ms · p90 {Math.round(r.latency.p90)} ms{r.aborted ? ' · stopped' : ''}
      </p>
      <table className="grid-table" aria-label="Load result by node">
        <thead>
          <tr>
            <th>Node</th>
            <th className="num">Succeeded</th>
            <th className="num">Failed</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(r.byNode).map(([node, n]) => (
            <tr key={node}>
              <td>
                <span className="chip">{node}</span>
              </td>
              <td className="num">{n.succeeded}</td>
              <td className="num">{n.failed}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {Object.entries(r.failuresByReason).map(([reason, n]) => (
        <p key={reason} className="small">
          {n} × {reason}
        </p>
      ))}
      <p className="small muted">
        Logins whose steps reached two nodes: {r.routing.crossNodeLogins} ({r.routing.crossNodeFailures} failed); on one node: {r.routing.sameNodeLogins} ({r.routing.sameNodeFailures} failed).
      </p>
    </div>
  );
}

/** The window's session as recipe YAML: read-only, saved with the browser's download. */
function ExportView({ r, onStartOver }: { r: RecipeExport; onStartOver: () => void }) {
  if (r.actions === 0)
    return (
      <div data-testid="recipe-export">
        <EmptyState icon="✎" title="Nothing done yet">
          Log in from a virtual browser, change a setting, advance the clock or kill a node: each action is recorded with what it showed, and exported here as a recipe that re-runs and checks the same outcomes.
        </EmptyState>
      </div>
    );
  return (
    <div data-testid="recipe-export">
      <div className="card-head">
        <div>
          <h3 className="card-title">This session as a recipe</h3>
          <span className="small muted">
            {r.actions} step{r.actions === 1 ? '' : 's'}
            {r.dropped ? ` · the ${r.dropped} oldest actions were dropped` : ''} · run it again with <span className="mono">session-lab run {r.fileName}</span>
          </span>
        </div>
        <div className="actions">
          <Button size="sm" onClick={onStartOver} title="Forget what was done so far: the next export starts from the next action">
            Start over
          </Button>
          <Button size="sm" tone="primary" onClick={() => download(r.fileName, r.yaml, 'application/yaml')} data-testid="recipe-export-save">
            Download .yaml
          </Button>
        </div>
      </div>
      <CodeBlock text={r.yaml} label="Exported recipe (YAML)" maxHeight={560} testId="recipe-export-yaml" />
    </div>
  );
}

/** Ticket recipes: replay a known ticket (broken and fixed) in a lab of its own, step by step, with checks. */
export function Recipes() {
  const store = useStore();
  const run = useLab((s) => s.recipeRun);
  const loadProgress = useLab((s) => s.loadProgress);
  const [list, setList] = useState<RecipeSummary[] | null>(null);
  const [running, setRunning] = useState(false);
  const [view, setView] = useState<'run' | 'compare' | 'load' | 'export'>('run');
  const [exported, setExported] = useState<RecipeExport | null>(null);
  const [comparison, setComparison] = useState<CompareView | null>(null);
  const [load, setLoad] = useState<LoadView | null>(null);
  const [logins, setLogins] = useState('300');
  const [concurrency, setConcurrency] = useState('8');
  useEffect(() => {
    void store.run('Could not list the recipes', () => store.api.recipes({})).then((r) => setList(r ?? []));
  }, [store]);
  const busy = async (fn: () => Promise<unknown>) => {
    setRunning(true);
    try {
      await fn();
    } finally {
      setRunning(false);
    }
  };
  const compare = (r: RecipeSummary) =>
    busy(async () => {
      setView('compare');
      setComparison(null);
      const c = await store.run(`Could not compare ${r.name}`, () => store.api.compareRecipe({ name: r.name, a: r.variants[0]!, b: r.variants[1]! }));
      if (c) setComparison(c);
    });
  const startLoad = () =>
    busy(async () => {
      setView('load');
      setLoad(null);
      const r = await store.run('The load run failed', () => store.api.perform({ action: 'load', logins: Number(logins), concurrency: Number(concurrency) }));
      if (r?.load) setLoad(r.load);
    });
  const exportSession = async () => {
    setView('export');
    setExported(null);
    const r = await store.run('Could not export this session', () => store.api.exportRecipe({}));
    if (r) setExported(r);
  };
  const startOver = async () => {
    if ((await store.run('Could not start over', () => store.api.clearActionLog({}))) !== undefined) await exportSession();
  };
  const start = async (name: string, variant?: string) => {
    setView('run');
    setRunning(true);
    try {
      await store.run(`Recipe ${name} could not run`, () => store.api.runRecipe({ name, variant }));
    } finally {
      setRunning(false);
    }
  };
  const state = run?.result ? (run.result.aborted ? 'stopped' : run.result.passed ? 'passed' : 'failed') : run ? 'running' : null;

  return (
    <div className="recipes">
      <div className="recipe-list" aria-label="Built-in recipes">
        <form
          className="recipe load-form"
          onSubmit={(e) => {
            e.preventDefault();
            void startLoad();
          }}
        >
          <h3 className="recipe-title">Load: many logins at once in this lab</h3>
          <div className="actions">
            <label className="tool">
              <span>Logins</span>
              <input type="number" min={1} max={100000} value={logins} onChange={(e) => setLogins(e.target.value)} className="narrow" />
            </label>
            <label className="tool">
              <span>At a time</span>
              <input type="number" min={1} max={256} value={concurrency} onChange={(e) => setConcurrency(e.target.value)} className="narrow" />
            </label>
            <Button size="sm" type="submit" tone="primary" disabled={running}>
              Run load
            </Button>
          </div>
        </form>
        <article className="recipe">
          <h3 className="recipe-title">This session as a recipe</h3>
          <p className="small muted recipe-desc">The settings and what was done in this window, with the outcomes seen, as a recipe you can save and re-run.</p>
          <div className="actions">
            <Button size="sm" tone="primary" disabled={running} onClick={exportSession} data-testid="recipe-export-open">
              Export current session as recipe
            </Button>
          </div>
        </article>
        {list === null ? (
          <EmptyState title="Loading recipes…" />
        ) : list.length === 0 ? (
          <EmptyState title="No recipes found">The built-in library (recipes/) is missing from this installation.</EmptyState>
        ) : (
          list.map((r) => (
            <article key={r.name} className="recipe" data-testid={`recipe-${r.name}`}>
              <h3 className="recipe-title">{r.title}</h3>
              <p className="small muted recipe-desc">{r.description}</p>
              <div className="actions">
                {(r.variants.length ? r.variants : [undefined]).map((v) => (
                  <Button key={v ?? 'run'} size="sm" tone={v === 'broken' ? 'default' : 'primary'} disabled={running} onClick={() => start(r.name, v)}>
                    {v ? `Run ${v}` : 'Run'}
                  </Button>
                ))}
                {r.variants.length >= 2 && (
                  <Button size="sm" disabled={running} onClick={() => compare(r)} title={`${r.variants[0]} and ${r.variants[1]} side by side, each in a fresh lab`}>
                    Compare {r.variants[0]} / {r.variants[1]}
                  </Button>
                )}
                <span className="muted small">{r.steps} steps</span>
              </div>
            </article>
          ))
        )}
      </div>
      <section className="recipe-run" aria-label="Recipe run" aria-live="polite" data-testid="recipe-run">
        {view === 'export' ? (
          exported ? <ExportView r={exported} onStartOver={() => void startOver()} /> : <EmptyState title="Exporting…" />
        ) : view === 'compare' ? (
          comparison ? <Compare c={comparison} /> : <EmptyState title="Running both sides…" />
        ) : view === 'load' ? (
          load ? (
            <LoadResultView r={load} />
          ) : (
            <div className="load-progress">
              <EmptyState title="Load running…">
                {loadProgress && (
                  <>
                    <progress max={1} value={loadProgress.fraction} aria-label="Load progress" />
                    <div className="small">
                      {loadProgress.attempted} attempted · {loadProgress.failed} failed ({Math.round(loadProgress.failureRate * 100)}%)
                    </div>
                  </>
                )}
              </EmptyState>
              <div className="actions">
                <Button size="sm" tone="danger" onClick={() => store.run('Could not stop the load run', () => store.api.stopRun({}))}>
                  Stop
                </Button>
              </div>
            </div>
          )
        ) : !run ? (
          <EmptyState icon="▶" title="Run a recipe">
            A recipe reproduces a ticket in a lab of its own: settings, users and steps, each checked against what the trace shows. This window's lab keeps its settings, browsers and sessions; the run's clock only moves when a step waits.
          </EmptyState>
        ) : (
          <>
            <div className="card-head">
              <div>
                <h3 className="card-title">
                  {run.recipe}
                  {run.variant && <span className="muted"> · {run.variant}</span>}
                </h3>
                {run.result && (
                  <span className="small muted">
                    {formatDuration(run.result.durationMs)} real · {formatDuration(run.result.labElapsedMs)} on the lab clock
                  </span>
                )}
              </div>
              <div className="actions">
                {state && <Badge tone={state === 'passed' ? 'ok' : state === 'running' ? 'info' : state === 'stopped' ? 'warn' : 'error'}>{state}</Badge>}
                {state === 'running' && (
                  <Button size="sm" tone="danger" onClick={() => store.run('Could not stop the recipe', () => store.api.stopRun({}))}>
                    Stop
                  </Button>
                )}
              </div>
            </div>
            <ol className="recipe-steps">
              {run.steps.map((s) => (
                <li key={s.index} className={`recipe-step is-${s.status}`} data-status={s.status}>
                  <div className="recipe-step-head">
                    <span className="muted small">line {s.line}</span>
                    <span className="mono">{s.label}</span>
                    <Badge tone={STATUS[s.status].tone}>{STATUS[s.status].text}</Badge>
                  </div>
                  {s.note && <div className="small">{s.note}</div>}
                  {s.summary && <div className="small muted">{s.summary}</div>}
                  {s.expectations
                    .filter((e) => !e.passed)
                    .map((e, i) => (
                      <div key={i} className="small expectation-failed">
                        {e.message}
                      </div>
                    ))}
                  {run.load?.index === s.index && (
                    <progress max={1} value={run.load.progress.fraction} aria-label="Load progress">
                      {Math.round(run.load.progress.fraction * 100)}%
                    </progress>
                  )}
                </li>
              ))}
            </ol>
          </>
        )}
      </section>
    </div>
  );
}
