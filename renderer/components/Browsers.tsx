import { useEffect, useRef, useState } from 'react';
import type { BrowserResponse, LoginStep, TraceExchange } from '../../main/contract';
import { callbackAnswers } from '../../main/contract/browser';
import { DEMO_USER } from '../../main/contract/names';
import { middleEllipsis } from '../lib/format';
import { routingText } from '../lib/routing';
import { useLab, useStore } from '../state/store';
import { BrowserStatus, IdleButton } from './BrowserStatus';
import { LoginSteps, stepsOf, type StepResult } from './LoginSteps';
import { OAuth2Section } from './OAuth2Section';
import { Button, CodeBlock, EmptyState } from './ui';
import '../styles/browsers.css';

function BrowserCard({ id, name, highlight }: { id: string; name: string; highlight: number }) {
  const store = useStore();
  const jar = useLab((s) => s.jars[id]);
  const session = useLab((s) => s.browserSessions[id] ?? null);
  const newest = useLab((s) => s.trace.lastByBrowser.get(id));
  const [username, setUsername] = useState<string>(DEMO_USER.username);
  const [password, setPassword] = useState<string>(DEMO_USER.password);
  const [steps, setSteps] = useState<StepResult[]>([]);
  const [values, setValues] = useState<Record<string, string>>({});
  const [focusKey, setFocusKey] = useState(0);
  const [last, setLast] = useState<{ action: string; response: BrowserResponse; exchange: TraceExchange | null } | null>(null);
  const card = useRef<HTMLElement>(null);
  // The form shows the callbacks AM sent, pre-filled from the credentials as the SDK would fill them.
  const showForm = (step: LoginStep | undefined) => step?.kind === 'callbacks' && setValues(callbackAnswers(step.payload, username, password));
  const loginEnd = steps.at(-1)?.exchange?.seq ?? 0;

  // Shown from elsewhere (a session's browser link): scrolled into view, focused, briefly marked.
  useEffect(() => {
    const el = card.current;
    if (!highlight || !el) return;
    el.scrollIntoView({ block: 'nearest' });
    el.querySelector<HTMLElement>('.card-title')?.focus();
    el.classList.add('is-shown');
    const t = setTimeout(() => el.classList.remove('is-shown'), 1600);
    return () => clearTimeout(t);
  }, [highlight]);

  const begin = async () => {
    const r = await store.run(`${name}: could not start the login`, () => store.api.perform({ action: 'login-start', browser: id }));
    if (!r) return;
    setSteps(stepsOf(r));
    setLast(null);
    showForm(r.steps?.at(-1));
    setFocusKey((k) => k + 1);
  };
  const submit = async () => {
    const r = await store.run(`${name}: the step was refused`, () => store.api.perform({ action: 'login-next', browser: id, values }));
    if (!r) return;
    setSteps((s) => [...s, ...stepsOf(r)]);
    showForm(r.steps?.at(-1));
    setFocusKey((k) => k + 1);
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
    <article ref={card} className="card browser" aria-labelledby={`bn-${id}`} data-testid={`browser-${id}`}>
      <header className="card-head">
        <div>
          <h3 id={`bn-${id}`} className="card-title" tabIndex={-1}>
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

      <BrowserStatus browser={id} />

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

      <LoginSteps
        steps={steps}
        values={values}
        onValue={(k, v) => setValues((all) => ({ ...all, [k]: v }))}
        onSubmit={() => void submit()}
        onAbandon={() => setSteps([])}
        current={!newest || newest.seq <= loginEnd}
        focusKey={focusKey}
      />

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
        <IdleButton session={session} />
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
            {last.exchange && <span className="muted"> · {routingText(last.exchange.routing)}</span>}
          </div>
          <CodeBlock text={JSON.stringify(last.response.body, null, 2)} maxHeight={100} label={`${last.action} response`} />
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
export function Browsers({ show }: { show?: { id: string; at: number } | null }) {
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
            <BrowserCard key={b.id} id={b.id} name={b.name} highlight={show?.id === b.id ? show.at : 0} />
          ))}
        </div>
      )}
    </div>
  );
}
