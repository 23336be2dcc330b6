import { useState } from 'react';
import type { ActionResult, AuthPayload, BrowserResponse, LoginStep, TraceExchange } from '../../main/contract';
import { callbackAnswers } from '../../main/contract/browser';
import { DEMO_USER } from '../../main/contract/names';
import { explainExchange } from '../lib/explain';
import { MINUTE, middleEllipsis, prettyBody } from '../lib/format';
import { useLab, useStore } from '../state/store';
import { OAuth2Section } from './OAuth2Section';
import { Button, CodeBlock, EmptyState } from './ui';
import '../styles/browsers.css';

/** One authenticate call as the card shows it: what AM sent, and the exchange that carried it. */
interface StepResult {
  step: LoginStep;
  exchange: TraceExchange | null;
}

/** A login action's steps, each with its exchange (one authenticate call is one exchange). */
const stepsOf = (r: ActionResult): StepResult[] => (r.steps ?? []).map((step, i) => ({ step, exchange: r.exchanges[i] ?? null }));

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
        {s.exchange && <span className="muted"> · {s.exchange.routing.reason}</span>}
      </summary>
      <div className="step-io">
        <div>
          <div className="step-label">Submitted</div>
          {submitted ? <CodeBlock text={submitted} maxHeight={180} label="What was submitted" /> : <p className="muted small">Empty body: the first call asks AM which callbacks it wants.</p>}
        </div>
        <div>
          <div className="step-label">AM sent</div>
          <CodeBlock text={answered} maxHeight={180} label="What AM sent" testId="am-sent" />
        </div>
      </div>
    </details>
  );
}

function Outcome({ step, exchange }: { step: LoginStep; exchange: TraceExchange | null }) {
  // The events recorded during the exchange arrive with the trace; the explanation fills in then.
  const byExchange = useLab((s) => s.trace.byExchange);
  if (step.kind === 'callbacks') return null;
  const why = exchange ? explainExchange(exchange, byExchange.get(exchange.id)) : null;
  if (step.kind === 'success') {
    const token = typeof step.body.tokenId === 'string' ? step.body.tokenId : '';
    return (
      <div className="outcome outcome-ok" role="status" data-testid="login-outcome">
        <strong>Logged in</strong>
        {exchange?.routing.node && <> on node {exchange.routing.node}</>}
        {token ? <span className="mono small"> · tokenId {middleEllipsis(token, 8)}</span> : <span className="muted small"> · token in the HttpOnly cookie only (AM 7.5+)</span>}
      </div>
    );
  }
  const message = typeof step.body.message === 'string' ? step.body.message : 'Login failed';
  return (
    <div className="outcome outcome-error" role="alert" data-testid="login-outcome">
      <strong>
        {step.status} {message}
      </strong>
      {why && <div className="small">{why}</div>}
    </div>
  );
}

function BrowserCard({ id, name }: { id: string; name: string }) {
  const store = useStore();
  const jar = useLab((s) => s.jars[id]);
  const maxIdle = useLab((s) => s.snapshot?.config.maxIdleTime ?? 30);
  const [username, setUsername] = useState<string>(DEMO_USER.username);
  const [password, setPassword] = useState<string>(DEMO_USER.password);
  const [steps, setSteps] = useState<StepResult[]>([]);
  const [values, setValues] = useState<Record<string, string>>({});
  const [last, setLast] = useState<{ action: string; response: BrowserResponse; exchange: TraceExchange | null } | null>(null);
  const current = steps.length ? steps[steps.length - 1]! : null;
  const pending = current?.step.kind === 'callbacks' ? current.step.payload : null;
  // The form shows the callbacks AM sent, pre-filled from the credentials as the SDK would fill them.
  const showForm = (step: LoginStep | undefined) => step?.kind === 'callbacks' && setValues(callbackAnswers(step.payload, username, password));

  const begin = async () => {
    const r = await store.run(`${name}: could not start the login`, () => store.api.perform({ action: 'login-start', browser: id }));
    if (!r) return;
    setSteps(stepsOf(r));
    setLast(null);
    showForm(r.steps?.at(-1));
  };
  const submit = async () => {
    if (!pending) return;
    const r = await store.run(`${name}: the step was refused`, () => store.api.perform({ action: 'login-next', browser: id, values }));
    if (!r) return;
    setSteps((s) => [...s, ...stepsOf(r)]);
    showForm(r.steps?.at(-1));
  };
  const oneClick = async () => {
    const r = await store.run(`${name}: login failed to run`, () => store.api.perform({ action: 'login', browser: id, username, password }));
    if (!r) return;
    setSteps(stepsOf(r));
    setLast(null);
  };
  const call = (action: 'validate' | 'refresh' | 'access' | 'logout') => async () => {
    const r = await store.run(`${name}: ${action} failed to run`, () => store.api.perform({ action, browser: id }));
    if (r?.response) setLast({ action, response: r.response, exchange: r.exchanges.at(-1) ?? null });
  };
  const isDemo = username === DEMO_USER.username && password === DEMO_USER.password;

  return (
    <article className="card browser" aria-labelledby={`bn-${id}`} data-testid={`browser-${id}`}>
      <header className="card-head">
        <div>
          <h3 id={`bn-${id}`} className="card-title">
            {name}
          </h3>
          <span className="muted small">
            {id} · own cookie jar · {jar?.length ?? 0} cookie{jar?.length === 1 ? '' : 's'}
          </span>
        </div>
        <Button size="sm" tone="ghost" aria-label={`Close ${name}`} title="Close this browser" onClick={() => store.run('Could not close the browser', () => store.api.removeBrowser({ browser: id }))}>
          ✕
        </Button>
      </header>

      <form
        className="creds-row"
        onSubmit={(e) => {
          e.preventDefault();
          void oneClick();
        }}
      >
        <label>
          <span>User</span>
          <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" aria-label={`${name} user name`} />
        </label>
        <label>
          <span>Password</span>
          <input value={password} type="password" onChange={(e) => setPassword(e.target.value)} autoComplete="off" aria-label={`${name} password`} />
        </label>
        <button type="submit" hidden tabIndex={-1} />
      </form>
      {isDemo && <div className="demo-label">demo credentials — lab only</div>}

      <div className="actions">
        <Button tone="primary" onClick={oneClick} data-testid="login">
          Log in
        </Button>
        <Button onClick={begin} data-testid="login-steps">
          Step by step
        </Button>
      </div>

      {steps.length > 0 && (
        <div className="steps" aria-label="Login steps">
          {steps.map((s, i) => (
            <StepView key={i} s={s} index={i} open={i === steps.length - 1} />
          ))}
          {pending && (
            <form
              className="callbacks"
              onSubmit={(e) => {
                e.preventDefault();
                void submit();
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
                    <input
                      type={cb.type === 'PasswordCallback' ? 'password' : 'text'}
                      value={values[input.name] ?? String(input.value ?? '')}
                      onChange={(e) => setValues((v) => ({ ...v, [input.name]: e.target.value }))}
                      autoComplete="off"
                    />
                  </label>
                );
              })}
              <div className="actions">
                <Button type="submit" tone="primary" data-testid="submit-step">
                  Submit step {steps.length + 1}
                </Button>
                <Button tone="ghost" onClick={() => setSteps([])}>
                  Abandon
                </Button>
              </div>
            </form>
          )}
          {current && <Outcome step={current.step} exchange={current.exchange} />}
        </div>
      )}

      <div className="actions actions-session" role="group" aria-label="Session actions">
        <Button size="sm" onClick={call('validate')} data-testid="validate">
          Validate
        </Button>
        <Button size="sm" onClick={call('refresh')} title="Refresh resets the idle timer">
          Refresh
        </Button>
        <Button size="sm" onClick={call('access')} title="getSessionInfo: any use of the session">
          Session info
        </Button>
        <Button size="sm" title={`Jump the lab clock past max idle time (${maxIdle} min) without using the session`} onClick={() => store.run('Could not advance the clock', () => store.api.perform({ action: 'wait', ms: (maxIdle + 1) * MINUTE }))} data-testid="idle">
          Idle {maxIdle + 1} min
        </Button>
        <Button size="sm" onClick={call('logout')} data-testid="logout">
          Log out
        </Button>
        <Button size="sm" tone="ghost" onClick={() => store.run('Could not clear cookies', () => store.api.clearCookies({ browser: id }))}>
          Clear cookies
        </Button>
      </div>
      {last && (
        <div className={`call-result ${last.response.status >= 400 ? 'is-error' : ''}`} data-testid="call-result">
          <div className="small">
            <strong>{last.action}</strong> → {last.response.status}
            {last.exchange?.routing.node && <> · node {last.exchange.routing.node}</>}
            {last.exchange && <span className="muted"> · {last.exchange.routing.reason}</span>}
          </div>
          <CodeBlock text={JSON.stringify(last.response.body, null, 2)} maxHeight={120} label={`${last.action} response`} />
        </div>
      )}
      <OAuth2Section browser={id} name={name} />
      {jar && jar.length > 0 && (
        <ul className="jar-chips" aria-label="Cookies in this browser">
          {jar.map((c) => (
            <li key={`${c.name}|${c.path}`} className="chip" title={c.value}>
              {c.name}={middleEllipsis(c.value, 6)}
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}

/** Virtual browsers side by side, each with its own jar: log in, validate, idle, log out. */
export function Browsers() {
  const store = useStore();
  const browsers = useLab((s) => s.snapshot?.browsers);
  const [name, setName] = useState('');
  const create = async () => {
    const r = await store.run('Could not create a browser', () => store.api.createBrowser({ name: name.trim() || undefined }));
    if (r) setName('');
  };
  return (
    <div className="browsers">
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <input className="tool-search" placeholder="Name (e.g. Customer laptop)" aria-label="Name of the new virtual browser" value={name} maxLength={40} onChange={(e) => setName(e.target.value)} />
        <Button type="submit" tone="primary" data-testid="new-browser">
          New browser
        </Button>
        <span className="toolbar-spacer" />
        <span className="muted small">Each virtual browser has its own cookie jar and talks only to the balancer.</span>
      </form>
      {!browsers ? (
        <EmptyState title="Loading…" />
      ) : browsers.length === 0 ? (
        <EmptyState
          icon="▭"
          title="No virtual browsers yet"
          action={
            <Button tone="primary" onClick={create}>
              Create a browser
            </Button>
          }
        >
          A virtual browser logs in through the balancer as the ForgeRock SDK would. Create two to compare a sticky and a non-sticky login side by side.
        </EmptyState>
      ) : (
        <div className="browser-grid">
          {browsers.map((b) => (
            <BrowserCard key={b.id} id={b.id} name={b.name} />
          ))}
        </div>
      )}
    </div>
  );
}
