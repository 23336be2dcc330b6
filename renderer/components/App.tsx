import { useCallback, useState, type ReactNode } from 'react';
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

/**
 * The dock's tabs, in order. A panel is one entry: its tab's label and what it shows; `lazy` panels
 * mount only while shown (the rest keep their state when hidden).
 */
interface DockPanel {
  id: string;
  label: string;
  lazy?: boolean;
  render: () => ReactNode;
}

/**
 * The dock's tab strip. Its counts move with every trace batch, so it reads them itself: when the
 * App read them, each batch re-rendered every panel and the settings sidebar (a long task per frame
 * under load).
 */
function DockTabs({ panels, dock, seenFailure, onChange }: { panels: DockPanel[]; dock: string; seenFailure: number; onChange: (d: string) => void }) {
  const exchanges = useLab((s) => s.trace.exchanges.length);
  const browsers = useLab((s) => s.snapshot?.browsers.length ?? 0);
  const sessions = useLab((s) => s.snapshot?.sessionCounts.active ?? 0);
  const lastFailure = useLab((s) => s.trace.lastFailureSeq);
  const counts: Record<string, number> = { browsers, traffic: exchanges, sessions };
  const alert = dock !== 'traffic' && lastFailure > seenFailure;
  return <Tabs label="Workspace" active={dock} onChange={onChange} tabs={panels.map(({ id, label }) => ({ id, label, count: counts[id], alert: id === 'traffic' && alert }))} />;
}

export function App() {
  const store = useStore();
  const [theme, setTheme] = useState<Theme>(() => {
    const t = initialTheme();
    saveTheme(t);
    return t;
  });
  const [dock, setDock] = useState('browsers');
  const [selected, setSelected] = useState<string | null>(null);
  const [shownBrowser, setShownBrowser] = useState<{ id: string; at: number } | null>(null);
  const ready = useLab((s) => s.snapshot !== null);
  const status = useLab((s) => s.status);
  const [seenFailure, setSeenFailure] = useState(0);

  const openExchange = useCallback((id: string) => {
    setSelected(id);
    setDock('traffic');
  }, []);
  const openBrowser = useCallback((id: string) => {
    setShownBrowser({ id, at: Date.now() });
    setDock('browsers');
  }, []);
  const changeDock = (d: string) => {
    setDock(d);
    if (d === 'traffic') setSeenFailure(store.getState().trace.lastFailureSeq);
  };

  const panels: DockPanel[] = [
    { id: 'browsers', label: 'Browsers', render: () => <Browsers show={shownBrowser} /> },
    { id: 'traffic', label: 'Traffic', render: () => <Traffic selectedId={selected} onSelect={setSelected} shown={dock === 'traffic'} /> },
    { id: 'cookies', label: 'Cookies', lazy: true, render: () => <Cookies onOpenExchange={openExchange} /> },
    { id: 'sessions', label: 'Sessions', lazy: true, render: () => <Sessions onOpenBrowser={openBrowser} /> },
    { id: 'diagnosis', label: 'Diagnosis & HAR', render: () => <Diagnosis active={dock === 'diagnosis'} onOpenExchange={openExchange} /> },
    { id: 'recipes', label: 'Recipes', render: () => <Recipes /> },
    { id: 'balancer', label: 'Balancer', render: () => <Balancer /> },
    { id: 'cts', label: 'CTS', lazy: true, render: () => <Cts /> },
  ];

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
              <DockTabs panels={panels} dock={dock} seenFailure={seenFailure} onChange={changeDock} />
              {panels.map((p) => (
                <div key={p.id} className="dock-panel" role="tabpanel" id={`panel-${p.id}`} aria-labelledby={`tab-${p.id}`} hidden={dock !== p.id}>
                  {(!p.lazy || dock === p.id) && p.render()}
                </div>
              ))}
            </section>
          </main>
        </div>
      )}
      <Notices />
    </div>
  );
}
