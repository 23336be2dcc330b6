/**
 * The customer's balancer: which one runs, their configuration pasted, loaded or made from a model
 * and checked as `lb check` checks it (nothing applies until Apply), how its servers map onto the
 * lab's nodes, and each browser's network (the client address source-IP persistence sees).
 */
import { useEffect, useRef, useState } from 'react';
import type { LbConfigView } from '../../main/contract';
import { AppOriginSchema, ClientIpSchema } from '../../main/contract/actions';
import { CommandError } from '../api/client';
import { useLab, useStore } from '../state/store';
import { ApplyField } from './Controls';
import { LbConfigReport } from './LbConfigReport';
import { ModelForm } from './ModelForm';
import { Badge, Button, Segmented } from './ui';
import '../styles/balancer.css';

const RUNS = { 'built-in': "The lab's built-in balancer", haproxy: 'HAProxy (the machine’s haproxy, a child process)', nginx: 'nginx (the machine’s nginx, a child process)' } as const;
const MAX_TEXT = 256 * 1024;

type Checked = { text: string; view: LbConfigView } | { text: string; error: string };

/** Reads the draft as `lb check` would, shortly after typing stops; only the newest answer counts. */
function useCheck(text: string, name: string): Checked | null {
  const store = useStore();
  const [checked, setChecked] = useState<Checked | null>(null);
  const asked = useRef(0);
  useEffect(() => {
    const n = ++asked.current;
    if (!text.trim()) return setChecked(null);
    if (text.length > MAX_TEXT) return setChecked({ text, error: `The file is ${Math.ceil(text.length / 1024)} KiB; the lab reads up to 256 KiB.` });
    const timer = setTimeout(() => {
      store.api.checkLbConfig({ text, name }).then(
        (view) => n === asked.current && setChecked({ text, view }),
        (e: unknown) => n === asked.current && setChecked({ text, error: e instanceof CommandError ? e.message : String(e) }),
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [text, name, store]);
  return checked;
}

function ClientIps() {
  const store = useStore();
  const browsers = useLab((s) => s.snapshot?.browsers ?? []);
  const set = (browser: string, patch: { ip?: string; origin?: string | null }) => store.run('Could not change the browser’s network', () => store.api.perform({ action: 'browser', browser, ...patch }));
  return (
    <section className="lb-section" aria-label="Client addresses">
      <h3 className="lb-subtitle">Each browser’s network</h3>
      <p className="muted small">The balancer sees the client address (source-IP persistence hashes it; browsers behind one NAT share one). The app origin is the site whose pages call AM (SameSite applies).</p>
      <table className="grid-table lb-clients" data-testid="lb-clients">
        <thead>
          <tr>
            <th>Browser</th>
            <th>Client IP</th>
            <th>App origin</th>
          </tr>
        </thead>
        <tbody>
          {browsers.map((b) => (
            <tr key={b.id}>
              <td>{b.name}</td>
              <td>
                <ApplyField label={`${b.name} client IP`} value={b.clientIp} inputMode="text" testId={`client-ip-${b.id}`} validate={(v) => ClientIpSchema.safeParse(v.trim()).error?.issues[0]?.message ?? null} onApply={(v) => set(b.id, { ip: v.trim() })} />
              </td>
              <td>
                <ApplyField
                  label={`${b.name} app origin`}
                  value={b.appOrigin ?? ''}
                  inputMode="text"
                  testId={`app-origin-${b.id}`}
                  validate={(v) => (v.trim() && !AppOriginSchema.safeParse(v.trim()).success ? 'an http(s) origin such as https://app.example.com, or empty for AM’s own pages' : null)}
                  onApply={(v) => set(b.id, { origin: v.trim() || null })}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function Balancer() {
  const store = useStore();
  const lb = useLab((s) => s.snapshot?.lb);
  const inForce = useLab((s) => s.snapshot?.config.lbConfig ?? null);
  const nodes = useLab((s) => s.snapshot?.nodes.length ?? 1);
  const [source, setSource] = useState<'file' | 'model'>('file');
  const [text, setText] = useState(inForce ?? '');
  const [name, setName] = useState('pasted configuration');
  const file = useRef<HTMLInputElement>(null);
  const checked = useCheck(text, name);
  if (!lb) return null;

  const load = async (f: File) => {
    if (f.size > MAX_TEXT) return store.notify('error', 'Could not load the file', `${f.name} is ${Math.ceil(f.size / 1024)} KiB; the lab reads up to 256 KiB.`);
    setName(f.name);
    setText(await f.text());
  };
  const apply = (lbConfig: string | null) => store.run('Could not apply the configuration', () => store.api.perform({ action: 'configure', patch: { lbConfig } }));
  /** The newest answer is shown while the next one is read; Apply waits for the draft's own. */
  const current = checked?.text === text ? checked : null;
  const applied = inForce !== null && text === inForce;

  return (
    <div className="lb-panel" data-testid="balancer-panel">
      <div className="toolbar">
        <span className="tool">Runs</span>
        <Badge tone="accent">{lb.runs}</Badge>
        <span className="lb-runs" data-testid="lb-runs">
          {RUNS[lb.runs]}
          {lb.config ? ` · routes as ${lb.config.product} (${lb.config.mechanism})` : ' · routes by the lab’s stickiness settings'}
        </span>
      </div>
      {lb.notes.length > 0 && (
        <ul className="lb-notes lb-run-notes" aria-label="What the real balancer's run changed">
          {lb.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <div className="lb-body">
        <section className="lb-editor" aria-label="The customer's configuration">
          <div className="lb-editor-head">
            <Segmented
              label="Configuration from"
              value={source}
              onChange={setSource}
              options={[
                { value: 'file', label: 'Paste or load a file' },
                { value: 'model', label: 'Pick a model' },
              ]}
            />
            <Button size="sm" onClick={() => file.current?.click()}>
              Load file…
            </Button>
            <input ref={file} type="file" hidden onChange={(e) => e.target.files?.[0] && void load(e.target.files[0])} data-testid="lb-file" />
          </div>
          {source === 'model' && <ModelForm nodes={nodes} onText={(t) => (setName('model'), setText(t))} />}
          <textarea
            className="lb-text"
            aria-label="Balancer configuration"
            data-testid="lb-text"
            spellCheck={false}
            placeholder={'Paste haproxy.cfg, nginx.conf, an Ingress YAML, `aws elbv2 describe-target-group-attributes` JSON or `tmsh list ltm` output'}
            value={text}
            onChange={(e) => (setName('pasted configuration'), setText(e.target.value))}
          />
          <div className="lb-actions">
            <Button tone="primary" size="sm" disabled={!current || 'error' in current || applied} onClick={() => apply(text)} data-testid="lb-apply">
              {applied ? 'In force' : 'Apply to the lab'}
            </Button>
            {inForce !== null && (
              <Button size="sm" tone="ghost" onClick={() => apply(null)} data-testid="lb-clear">
                Back to the lab’s settings
              </Button>
            )}
            <span className="muted small">{applied ? 'The balancer routes as this file does.' : 'Checked as you type; nothing changes in the lab until you apply.'}</span>
          </div>
        </section>
        <section className="lb-result scroll-stack" aria-label="Findings">
          {!text.trim() ? (
            lb.config ? (
              <LbConfigReport view={lb.config} />
            ) : (
              <p className="muted lb-hint">Paste the customer's configuration, load their file, or pick a model: the findings say what in it breaks AM logins and which ticket it causes.</p>
            )
          ) : !checked ? (
            <p className="muted lb-hint" role="status">
              Reading…
            </p>
          ) : 'error' in checked ? (
            <div className="lb-error" role="alert" data-testid="lb-error">
              <strong>The lab cannot read this file.</strong> {checked.error}
            </div>
          ) : (
            <LbConfigReport view={checked.view} />
          )}
          <ClientIps />
        </section>
      </div>
    </div>
  );
}
