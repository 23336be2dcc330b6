import { forwardRef, useEffect, useRef } from 'react';
import type { ActionResult, AuthPayload, LoginStep, TraceExchange } from '../../main/contract';
import { explainExchange } from '../lib/explain';
import { routingText } from '../lib/routing';
import { formatClock, middleEllipsis, prettyBody } from '../lib/format';
import { useLab } from '../state/store';
import { Button, CodeBlock } from './ui';

/** One authenticate call as the card shows it: what AM sent, and the exchange that carried it. */
export interface StepResult {
  step: LoginStep;
  exchange: TraceExchange | null;
}

/** A login action's steps, each with its exchange (one authenticate call is one exchange). */
export const stepsOf = (r: ActionResult): StepResult[] => (r.steps ?? []).map((step, i) => ({ step, exchange: r.exchanges[i] ?? null }));

function prompt(cb: AuthPayload['callbacks'][number]): string {
  const p = cb.output?.find((o) => o.name === 'prompt')?.value;
  return typeof p === 'string' && p ? p : cb.type;
}

function stepSummary(s: StepResult): string {
  const node = s.exchange?.routing.node;
  const status = s.exchange?.response.status ?? s.step.status;
  const what = s.step.kind === 'callbacks' ? `callbacks (${s.step.payload.callbacks?.map((c) => c.type.replace('Callback', '')).join(', ')})` : s.step.kind === 'success' ? 'success' : 'failure';
  return `${status} · ${node ? `node ${node}` : 'no node'} · ${what}`;
}

function StepView({ s, index, open }: { s: StepResult; index: number; open: boolean }) {
  const submitted = s.exchange?.request.body ? prettyBody(s.exchange.request.body) : '';
  const answered = s.exchange ? prettyBody(s.exchange.response.body) : JSON.stringify(s.step, null, 2);
  return (
    <details className={`step step-${s.step.kind}`} open={open} data-testid="login-step">
      <summary>
        <span className="step-n">Step {index + 1}</span> {stepSummary(s)}
        {s.exchange && <span className="muted"> · {routingText(s.exchange.routing)}</span>}
      </summary>
      <div className="step-io">
        <div>
          <div className="step-label">Submitted</div>
          {submitted ? <CodeBlock text={submitted} maxHeight={120} label="What was submitted" /> : <p className="muted small">Empty body: the first call asks AM which callbacks it wants.</p>}
        </div>
        <div>
          <div className="step-label">AM sent</div>
          <CodeBlock text={answered} maxHeight={120} label="What AM sent" testId="am-sent" />
        </div>
      </div>
    </details>
  );
}

/** The login's own outcome. Green only while it is the newest thing the browser did; later, history. */
const Outcome = forwardRef<HTMLDivElement, { step: LoginStep; exchange: TraceExchange | null; current: boolean }>(function Outcome({ step, exchange, current }, ref) {
  // The events recorded during the exchange arrive with the trace; the explanation fills in then.
  const linked = useLab((s) => (exchange ? s.trace.byExchange.get(exchange.id) : undefined));
  if (step.kind === 'callbacks') return null;
  const at = exchange ? ` at ${formatClock(exchange.labEnd)}` : '';
  if (step.kind === 'success') {
    const token = typeof step.body.tokenId === 'string' ? step.body.tokenId : '';
    return (
      <div ref={ref} tabIndex={-1} className={`outcome ${current ? 'outcome-ok' : 'outcome-past'}`} role="status" data-testid="login-outcome">
        <strong>{current ? 'Logged in' : 'This login succeeded'}</strong>
        {exchange?.routing.node && <> on node {exchange.routing.node}</>}
        {!current && at}
        {token ? <span className="mono small"> · tokenId {middleEllipsis(token, 8)}</span> : <span className="muted small"> · token in the HttpOnly cookie only (AM 7.5+)</span>}
      </div>
    );
  }
  const message = typeof step.body.message === 'string' ? step.body.message : 'Login failed';
  const why = exchange ? explainExchange(exchange, linked) : null;
  return (
    <div ref={ref} tabIndex={-1} className="outcome outcome-error" role="alert" data-testid="login-outcome">
      <strong>
        {step.status} {message}
      </strong>
      {why && <div className="small">{why}</div>}
    </div>
  );
});

/**
 * The steps of the browser's latest login, the callbacks form AM is waiting on, and the outcome.
 * Focus follows the login: to the form's first field when AM asks for callbacks, to the outcome
 * when it answers, so it never falls back to the page after Step or Submit.
 */
export function LoginSteps(props: { steps: StepResult[]; values: Record<string, string>; onValue: (name: string, value: string) => void; onSubmit: () => void; onAbandon: () => void; current: boolean; focusKey: number }) {
  const { steps, values } = props;
  const last = steps.at(-1);
  const pending = last?.step.kind === 'callbacks' ? last.step.payload : null;
  const form = useRef<HTMLFormElement>(null);
  const outcome = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!props.focusKey) return;
    if (pending) form.current?.querySelector<HTMLInputElement>('input')?.focus();
    else outcome.current?.focus();
  }, [props.focusKey]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!steps.length) return null;
  return (
    <div className="steps" aria-label="Login steps">
      {steps.map((s, i) => (
        <StepView key={i} s={s} index={i} open={i === steps.length - 1 && props.current} />
      ))}
      {pending && (
        <form
          ref={form}
          className="callbacks"
          onSubmit={(e) => {
            e.preventDefault();
            props.onSubmit();
          }}
        >
          <div className="step-label">Step {steps.length + 1}: answer the callbacks</div>
          {pending.callbacks.map((cb, i) => {
            const input = cb.input?.[0];
            if (!input) return null;
            return (
              <label key={i} className="callback">
                <span>
                  {prompt(cb)} <span className="muted small">({cb.type}, {input.name})</span>
                </span>
                <input type={cb.type === 'PasswordCallback' ? 'password' : 'text'} value={values[input.name] ?? String(input.value ?? '')} onChange={(e) => props.onValue(input.name, e.target.value)} autoComplete="off" />
              </label>
            );
          })}
          <div className="actions">
            <Button type="submit" tone="primary" data-testid="submit-step">
              Submit step {steps.length + 1}
            </Button>
            <Button tone="ghost" onClick={props.onAbandon}>
              Abandon
            </Button>
          </div>
        </form>
      )}
      {last && <Outcome ref={outcome} step={last.step} exchange={last.exchange} current={props.current} />}
    </div>
  );
}
