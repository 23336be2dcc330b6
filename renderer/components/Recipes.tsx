import { useEffect, useState } from 'react';
import type { RecipeStepView, RecipeSummary } from '../../main/contract';
import { formatDuration } from '../lib/format';
import { useLab, useStore } from '../state/store';
import { Badge, Button, EmptyState } from './ui';

const STATUS: Record<RecipeStepView['status'], { tone: 'ok' | 'error' | 'warn' | 'info' | 'neutral'; text: string }> = {
  passed: { tone: 'ok', text: 'passed' },
  failed: { tone: 'error', text: 'failed' },
  error: { tone: 'error', text: 'could not run' },
  skipped: { tone: 'neutral', text: 'skipped' },
  running: { tone: 'info', text: 'running' },
  pending: { tone: 'neutral', text: 'pending' },
};

/** Ticket recipes: replay a known ticket (broken and fixed) in this lab, step by step, with checks. */
export function Recipes() {
  const store = useStore();
  const run = useLab((s) => s.recipeRun);
  const [list, setList] = useState<RecipeSummary[] | null>(null);
  const [running, setRunning] = useState(false);
  useEffect(() => {
    void store.run('Could not list the recipes', () => store.api.recipes({})).then((r) => setList(r ?? []));
  }, [store]);
  const start = async (name: string, variant?: string) => {
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
                <span className="muted small">{r.steps} steps</span>
              </div>
            </article>
          ))
        )}
      </div>
      <section className="recipe-run" aria-label="Recipe run" aria-live="polite" data-testid="recipe-run">
        {!run ? (
          <EmptyState icon="▶" title="Run a recipe">
            A recipe reproduces a ticket in this lab: settings, users and steps, each checked against what the trace shows. The lab is brought to the recipe's starting state first; its clock only moves when a step waits.
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
                  <Button size="sm" tone="danger" onClick={() => store.run('Could not stop the recipe', () => store.api.stopRecipe({}))}>
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
