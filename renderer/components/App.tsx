import { useState } from 'react';
import { useLab, useStore } from '../state/store';
import { Balancer } from './Balancer';
import { Browsers } from './Browsers';
import { Controls } from './Controls';
import { Cookies } from './Cookies';
import { Cts } from './Cts';
import { Diagnosis } from './Diagnosis';
import { EventsPanel } from './Events';
import { Header } from './Header';
import { Recipes } from './Recipes';
import { Sessions } from './Sessions';
import { Topology } from './Topology';
import { Traffic } from './Traffic';
import { initialTheme, saveTheme, type Theme } from './theme';
import { Button, Spinner, Tabs } from './ui';

type Dock = 'browsers' | 'traffic' | 'cookies' | 'sessions' | 'diagnosis' | 'recipes' | 'balancer' | 'cts';

function Notices() {
  const store = useStore();
  const notices = useLab((s) => s.notices);
  return (
    <div className="notices" aria-live="assertive">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.tone}`} role={n.tone === 'error' ? 'alert' : 'status'}>
          <div>
            <div className="notice-title">{n.title}</div>
            <div className="notice-text">{n.message}</div>
          </div>
          <Button size="sm" tone="ghost" onClick={() => store.dismiss(n.id)} aria-label="Dismiss">
            ✕
          </Button>
        </div>
      ))}
    </div>
  );
}

/** Before the first snapshot: a designed wait, or why the page cannot connect. */
function Gate() {
  const status = useLab((s) => s.status);
  const detail = useLab((s) => s.statusDetail);
  if (status === 'unauthorized')
    return (
      <div className="gate" role="alert">
        <h1>This page cannot reach the lab</h1>
        <p>{detail}</p>
        <p className="muted">
          Start the lab with <code>session-lab web</code> (or <code>npm run web</code>) and open the URL it prints first: it carries a one-time token that keeps other web pages from driving your lab.
        </p>
      </div>
    );
  return (
    <div className="gate" role="status">
      <Spinner label="Connecting to the lab" />
      <h1>{status === 'reconnecting' ? 'Reconnecting to the lab…' : 'Connecting to the lab…'}</h1>
      <p className="muted">Starting the AM nodes, the CTS and the balancer on 127.0.0.1.</p>
    </div>
  );
}

export function App() {
  const [theme, setTheme] = useState<Theme>(() => {
    const t = initialTheme();
    saveTheme(t);
    return t;
  });
  const [dock, setDock] = useState<Dock>('browsers');
  const [selected, setSelected] = useState<string | null>(null);
  const ready = useLab((s) => s.snapshot !== null);
  const status = useLab((s) => s.status);
  const exchanges = useLab((s) => s.trace.exchanges.length);
  const browsers = useLab((s) => s.snapshot?.browsers.length ?? 0);
  const sessions = useLab((s) => s.snapshot?.sessions.filter((r) => r.status === 'active').length ?? 0);
  const lastFailure = useLab((s) => s.trace.exchanges.findLast((e) => e.response.status >= 400)?.seq ?? 0);
  const [seenFailure, setSeenFailure] = useState(0);

  const openExchange = (id: string) => {
    setSelected(id);
    setDock('traffic');
  };
  const changeDock = (d: Dock) => {
    setDock(d);
    if (d === 'traffic') setSeenFailure(lastFailure);
  };

  return (
    <div className="app">
      <Header theme={theme} onTheme={() => setTheme((t) => (saveTheme(t === 'dark' ? 'light' : 'dark'), t === 'dark' ? 'light' : 'dark'))} />
      {ready && status !== 'open' && (
        <div className="banner" role="alert">
          {status === 'unauthorized' ? 'The lab refused this page; open the URL with #token that session-lab web printed.' : 'Connection to the lab lost — reconnecting. What you see may be out of date.'}
        </div>
      )}
      {!ready ? (
        <Gate />
      ) : (
        <div className="workspace">
          <aside className="sidebar" aria-label="Settings">
            <Controls />
          </aside>
          <main className="main">
            <div className="stage">
              <section className="panel topology-panel" aria-label="Topology">
                <Topology />
              </section>
              <EventsPanel onOpenExchange={openExchange} />
            </div>
            <section className="panel dock">
              <Tabs<Dock>
                label="Workspace"
                active={dock}
                onChange={changeDock}
                tabs={[
                  { id: 'browsers', label: 'Browsers', count: browsers },
                  { id: 'traffic', label: 'Traffic', count: exchanges, alert: dock !== 'traffic' && lastFailure > seenFailure },
                  { id: 'cookies', label: 'Cookies' },
                  { id: 'sessions', label: 'Sessions', count: sessions },
                  { id: 'diagnosis', label: 'Diagnosis & HAR' },
                  { id: 'recipes', label: 'Recipes' },
                  { id: 'balancer', label: 'Balancer' },
                  { id: 'cts', label: 'CTS' },
                ]}
              />
              <div className="dock-panel" role="tabpanel" id="panel-browsers" aria-labelledby="tab-browsers" hidden={dock !== 'browsers'}>
                <Browsers />
              </div>
              <div className="dock-panel" role="tabpanel" id="panel-traffic" aria-labelledby="tab-traffic" hidden={dock !== 'traffic'}>
                <Traffic selectedId={selected} onSelect={setSelected} />
              </div>
              <div className="dock-panel" role="tabpanel" id="panel-cookies" aria-labelledby="tab-cookies" hidden={dock !== 'cookies'}>
                {dock === 'cookies' && <Cookies />}
              </div>
              <div className="dock-panel" role="tabpanel" id="panel-sessions" aria-labelledby="tab-sessions" hidden={dock !== 'sessions'}>
                {dock === 'sessions' && <Sessions />}
              </div>
              <div className="dock-panel" role="tabpanel" id="panel-diagnosis" aria-labelledby="tab-diagnosis" hidden={dock !== 'diagnosis'}>
                <Diagnosis active={dock === 'diagnosis'} onOpenExchange={openExchange} />
              </div>
              <div className="dock-panel" role="tabpanel" id="panel-recipes" aria-labelledby="tab-recipes" hidden={dock !== 'recipes'}>
                <Recipes />
              </div>
              <div className="dock-panel" role="tabpanel" id="panel-balancer" aria-labelledby="tab-balancer" hidden={dock !== 'balancer'}>
                <Balancer />
              </div>
              <div className="dock-panel" role="tabpanel" id="panel-cts" aria-labelledby="tab-cts" hidden={dock !== 'cts'}>
                {dock === 'cts' && <Cts />}
              </div>
            </section>
          </main>
        </div>
      )}
      <Notices />
    </div>
  );
}
