import { useEffect, useState } from 'react';
import type { LabConfig } from '../../main/contract';
import type { LiveConfigPatch } from '../../main/contract/settings';
import { parseSettingText, settingLimits, settingMeta, type SettingKey } from '../../main/contract/settings';
import { useLab, useStore } from '../state/store';
import { Badge, Button, Segmented, Switch } from './ui';
import '../styles/controls.css';

type Patch = LiveConfigPatch;

/** A value applied on Enter or when the field loses focus; a refused value shows why and reverts. */
export function ApplyField({ label, value, unit, onApply, validate, testId, hint, inputMode = 'numeric' }: { label: string; value: string; unit?: string; onApply: (v: string) => Promise<unknown>; validate: (v: string) => string | null; testId?: string; hint?: string; inputMode?: 'numeric' | 'text' }) {
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setDraft(value), [value]);
  const apply = async () => {
    if (draft === value) return setError(null);
    const problem = validate(draft);
    setError(problem);
    if (problem) return;
    const ok = await onApply(draft);
    if (ok === undefined) setDraft(value);
  };
  const id = `f-${testId ?? label}`;
  return (
    <div className="field field-input">
      <label htmlFor={id} className="field-label">
        {label}
        {hint && <span className="field-hint">{hint}</span>}
      </label>
      <div className="input-wrap">
        <input
          id={id}
          data-testid={testId}
          inputMode={inputMode}
          value={draft}
          aria-invalid={!!error}
          aria-describedby={error ? `${id}-err` : undefined}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={() => void apply()}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void apply();
            if (e.key === 'Escape') (setDraft(value), setError(null));
          }}
        />
        {unit && <span className="input-unit">{unit}</span>}
      </div>
      {error && (
        <div id={`${id}-err`} className="field-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

/** A field's problem in the schema's own words (the CLI says the same), or null. */
export const problemOf = (key: SettingKey) => (v: string) => {
  const r = parseSettingText(key, v.trim());
  return r.ok ? null : `${r.problem[0]!.toUpperCase()}${r.problem.slice(1)}`;
};
export const valueOf = (key: SettingKey, v: string) => {
  const r = parseSettingText(key, v.trim());
  return r.ok ? r.value : undefined;
};
const NODES = settingLimits('nodes');

type Choice = { label: string; title?: string };
type ChoiceKey = 'policy' | 'profile' | 'auth' | 'authSessions' | 'sessions';
/** Each setting's enum, read from its schema once: the panel re-renders with every state push. */
const ENUMS = new Map<ChoiceKey, unknown[]>();
/** A setting's choices as the schema lists them, each with the window's words (a missing one fails to compile). */
function choices<K extends ChoiceKey>(key: K, words: Record<LabConfig[K], Choice>): { value: LabConfig[K]; label: string; title?: string }[] {
  if (!ENUMS.has(key)) ENUMS.set(key, settingLimits(key).enum as unknown[]);
  return (ENUMS.get(key) as LabConfig[K][]).map((value) => ({ value, ...words[value] }));
}

export function Controls() {
  const store = useStore();
  const cfg = useLab((s) => s.snapshot?.config);
  const info = useLab((s) => s.info);
  const [showAdmin, setShowAdmin] = useState(false);
  if (!cfg) return <div className="controls is-loading" aria-busy="true" />;
  const configure = (patch: Patch, what: string) => store.run(`Could not change ${what}`, () => store.api.perform({ action: 'configure', patch }));
  const set = <K extends keyof LabConfig>(key: K, what: string) => (v: LabConfig[K]) => void configure({ [key]: v } as Patch, what);
  const minutes = (key: 'maxSessionTime' | 'maxIdleTime' | 'maxCachingTime', label: string, hint: string) => (
    <ApplyField label={label} hint={hint} unit={settingMeta(key).unit} value={String(cfg[key])} validate={problemOf(key)} onApply={(v) => configure({ [key]: valueOf(key, v) } as Patch, label)} testId={`cfg-${key}`} />
  );
  return (
    <div className="controls" aria-label="Lab settings">
      <section className="control-group" aria-labelledby="cg-lb">
        <h2 id="cg-lb" className="group-title">
          Load balancer
        </h2>
        <Switch
          label="Stickiness"
          hint={cfg.policy === 'sticky' ? `routes on ${cfg.lbCookieName}` : 'off: requests spread over nodes'}
          checked={cfg.policy === 'sticky'}
          onChange={(on) => void configure({ policy: on ? 'sticky' : 'round-robin' }, 'stickiness')}
          testId="cfg-sticky"
        />
        <Segmented<LabConfig['policy']>
          label="Balancer policy"
          value={cfg.policy}
          options={choices('policy', {
            'round-robin': { label: 'Round-robin', title: 'Ignores the sticky cookie' },
            sticky: { label: 'Sticky', title: `Routes on ${cfg.lbCookieName}` },
            'active-passive': { label: 'Active/passive', title: 'All traffic to the first live node' },
          })}
          onChange={set('policy', 'the balancer policy')}
          testId="cfg-policy"
        />
        <ApplyField
          label="Sticky cookie"
          hint="com.iplanet.am.lbcookie.name"
          inputMode="text"
          value={cfg.lbCookieName}
          validate={problemOf('lbCookieName')}
          onApply={(v) => configure({ lbCookieName: v }, 'the cookie name')}
          testId="cfg-cookie"
        />
        <Switch label="Redispatch" hint="retry a dead sticky node elsewhere" checked={cfg.redispatch} onChange={set('redispatch', 'redispatch')} testId="cfg-redispatch" />
      </section>

      <section className="control-group" aria-labelledby="cg-cluster">
        <h2 id="cg-cluster" className="group-title">
          Cluster
        </h2>
        <div className="field field-stepper">
          <span className="field-label" id="nodes-label">
            AM nodes
          </span>
          <div className="stepper" role="group" aria-labelledby="nodes-label">
            <Button size="sm" aria-label="One node fewer" disabled={cfg.nodes <= (NODES.minimum ?? 1)} onClick={() => store.run('Could not remove a node', () => store.api.perform({ action: 'configure', patch: { nodes: cfg.nodes - 1 } }))}>
              −
            </Button>
            <output className="stepper-value" data-testid="cfg-nodes" aria-live="polite">
              {cfg.nodes}
            </output>
            <Button size="sm" aria-label="One node more" disabled={cfg.nodes >= (NODES.maximum ?? 9)} onClick={() => store.run('Could not add a node', () => store.api.perform({ action: 'configure', patch: { nodes: cfg.nodes + 1 } }))}>
              +
            </Button>
          </div>
        </div>
        <div className="field">
          <span className="field-label">AM version profile</span>
          <Segmented<LabConfig['profile']>
            label="AM version profile"
            value={cfg.profile}
            options={choices('profile', { '6.5': { label: '6.5' }, '7': { label: '7' }, '7.5': { label: '7.5' }, '8': { label: '8' } }).sort((a, b) => Number(a.value) - Number(b.value))}
            onChange={set('profile', 'the AM profile')}
          />
        </div>
      </section>

      <section className="control-group" aria-labelledby="cg-auth">
        <h2 id="cg-auth" className="group-title">
          Authentication
        </h2>
        <Segmented<LabConfig['auth']>
          label="Chains or trees"
          value={cfg.auth}
          options={choices('auth', {
            chain: { label: 'Chains', title: 'Module-based chains: auth sessions in node memory' },
            tree: { label: 'Trees', title: 'Authentication trees (journeys)' },
          })}
          onChange={set('auth', 'chains vs trees')}
          testId="cfg-auth"
        />
        <div className="field">
          <span className="field-label">
            Tree auth sessions
            <span className="field-hint">{cfg.auth === 'chain' ? 'chains always keep them in node memory' : 'where an in-progress journey lives'}</span>
          </span>
          <Segmented<LabConfig['authSessions']>
            label="Where tree auth sessions live"
            value={cfg.authSessions}
            disabled={cfg.auth === 'chain'}
            options={choices('authSessions', { memory: { label: 'Memory' }, cts: { label: 'CTS' }, client: { label: 'Client' } })}
            onChange={set('authSessions', 'where auth sessions live')}
            testId="cfg-auth-sessions"
          />
        </div>
      </section>

      <section className="control-group" aria-labelledby="cg-sessions">
        <h2 id="cg-sessions" className="group-title">
          Sessions
        </h2>
        <Segmented<LabConfig['sessions']>
          label="CTS-based or client-based sessions"
          value={cfg.sessions}
          options={choices('sessions', {
            cts: { label: 'CTS-based', title: 'Server-side sessions in the CTS' },
            client: { label: 'Client-based', title: 'Signed JWT in the session cookie' },
          })}
          onChange={set('sessions', 'the session type')}
          testId="cfg-sessions"
        />
        {minutes('maxSessionTime', 'Max session time', 'from login')}
        {minutes('maxIdleTime', 'Max idle time', cfg.sessions === 'client' ? 'not enforced for client-based sessions' : 'since last access')}
        {minutes('maxCachingTime', 'Max caching time', 'how long agents may cache session info')}
        {cfg.sessions === 'client' && <Switch label="Logout denylist" hint={`CTS poll ${cfg.denylistPollSeconds} s`} checked={cfg.denylist} onChange={set('denylist', 'the denylist')} />}
        <p className="note">New limits apply to sessions created from now on, as in AM.</p>
      </section>

      <section className="control-group" aria-labelledby="cg-users">
        <h2 id="cg-users" className="group-title">
          Users
        </h2>
        <dl className="creds">
          <dt>demo</dt>
          <dd>
            <code>{info?.demo.password ?? 'Ch4ng31t'}</code> <Badge tone="warn">{info?.demo.label ?? 'demo credentials — lab only'}</Badge>
          </dd>
          <dt>amadmin</dt>
          <dd>
            {showAdmin ? <code data-testid="admin-password">{info?.admin.password}</code> : <span className="muted">random for this lab</span>}{' '}
            <Button size="sm" tone="ghost" onClick={() => setShowAdmin((s) => !s)} aria-label={showAdmin ? 'Hide the amadmin password' : 'Show the amadmin password'}>
              {showAdmin ? 'Hide' : 'Show'}
            </Button>
          </dd>
        </dl>
      </section>
    </div>
  );
}
