import { useEffect, useMemo, useRef, useState } from 'react';
import type { FindingView, FlowSummary, HarExport, HarImportView } from '../../main/contract';
import { MAX_IMPORT_BYTES } from '../../main/contract/names';
import { REDACTION_RULES, type RedactionRule } from '../../main/contract/trace';
import { download } from '../lib/download';
import { formatBytes, formatClock } from '../lib/format';
import { useLab, useStore } from '../state/store';
import { traceOf } from '../state/trace';
import { Traffic } from './Traffic';
import { Badge, Button, EmptyState, Segmented, Spinner } from './ui';
import '../styles/diagnosis.css';
import '../styles/sequence.css';

const TONE = { error: 'error', warning: 'warn', info: 'info' } as const;

function Findings({ findings, onOpenExchange }: { findings: FindingView[]; onOpenExchange?: (id: string) => void }) {
  if (!findings.length)
    return (
      <EmptyState icon="✓" title="Nothing to explain">
        No 401, failed step, ended session or node loss in this trace.
      </EmptyState>
    );
  return (
    <ol className="findings" data-testid="findings">
      {findings.map((f) => {
        const target = f.failingExchangeId ?? f.exchangeIds[f.exchangeIds.length - 1];
        return (
          <li key={f.id} className={`finding finding-${f.severity}`} data-kind={f.kind}>
            <div className="finding-head">
              <Badge tone={TONE[f.severity]}>{f.kind.replace(/-/g, ' ')}</Badge>
              {onOpenExchange && target && (
                <Button size="sm" tone="ghost" onClick={() => onOpenExchange(target)}>
                  Show in traffic ↗
                </Button>
              )}
            </div>
            <p className="finding-sentence">{f.sentence}</p>
            <details>
              <summary className="small muted">Evidence ({f.evidence.length})</summary>
              <ol className="evidence">
                {f.evidence.map((e, i) => (
                  <li key={i}>{e}</li>
                ))}
              </ol>
            </details>
            {f.fix && (
              <p className="finding-fix">
                <strong>Fix:</strong> {f.fix}
              </p>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** The sequence diagram is engine-drawn SVG text with no script; an <img> keeps it inert. */
/** The drawing, fitted to the panel's width (every lane in view) or at full size, scrolled. */
function SequenceImage({ svg, label }: { svg: string; label: string }) {
  const src = useMemo(() => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`, [svg]);
  const [fit, setFit] = useState(true);
  return (
    <>
      <div className="sequence-size">
        <Segmented<'fit' | 'full'>
          label="Size of the sequence"
          value={fit ? 'fit' : 'full'}
          onChange={(v) => setFit(v === 'fit')}
          options={[
            { value: 'fit', label: 'Fit width' },
            { value: 'full', label: 'Full size' },
          ]}
        />
      </div>
      <div className={`sequence${fit ? ' is-fit' : ''}`} tabIndex={0} aria-label={label}>
        <img src={src} alt={label} data-testid="sequence" />
      </div>
    </>
  );
}

function ExportPanel({ onClose }: { onClose: () => void }) {
  const store = useStore();
  const browsers = useLab((s) => s.snapshot?.browsers ?? []);
  const [browser, setBrowser] = useState('all');
  const [unredacted, setUnredacted] = useState(false);
  const [preview, setPreview] = useState<HarExport | null>(null);
  useEffect(() => {
    let live = true;
    setPreview(null);
    void store.run('Could not prepare the HAR', () => store.api.exportHar({ redact: !unredacted, browser: browser === 'all' ? undefined : browser })).then((r) => live && r && setPreview(r));
    return () => void (live = false);
  }, [store, browser, unredacted]);
  const counts = preview ? Object.entries(preview.counts) : [];
  return (
    <section className="export card" aria-label="Export HAR" data-testid="har-export">
      <div className="card-head">
        <h3 className="card-title">Export the trace as HAR 1.2</h3>
        <Button size="sm" tone="ghost" onClick={onClose} aria-label="Close export">
          ✕
        </Button>
      </div>
      <label className="tool">
        <span>Scope</span>
        <select value={browser} onChange={(e) => setBrowser(e.target.value)}>
          <option value="all">Whole trace</option>
          {browsers.map((b) => (
            <option key={b.id} value={b.id}>
              {b.name} only
            </option>
          ))}
        </select>
      </label>
      {!preview ? (
        <Spinner label="Preparing the HAR" />
      ) : (
        <div className="small" data-testid="har-preview">
          <strong>{preview.entries}</strong> entries · <code>{preview.fileName}</code>
          {preview.redacted && (counts.length ? <div>Redacted before saving, replacements by rule:</div> : <div>Redacted: no secrets found.</div>)}
          {preview.redacted && counts.length > 0 && (
            <dl className="redaction-legend" data-testid="redaction-legend">
              {counts.map(([rule, n]) => (
                <div key={rule}>
                  <dt>
                    {rule} <strong>{n}</strong>
                  </dt>
                  <dd>{REDACTION_RULES[rule as RedactionRule] ?? rule}</dd>
                </div>
              ))}
            </dl>
          )}
        </div>
      )}
      <label className="check">
        <input type="checkbox" checked={unredacted} onChange={(e) => setUnredacted(e.target.checked)} data-testid="har-unredacted" />
        Include live session tokens, authIds and passwords (unredacted)
      </label>
      {unredacted && (
        <p className="warning" role="alert">
          This file lets anyone who gets it act as the users in it. Keep it on this machine; never attach it to a ticket.
        </p>
      )}
      <div className="actions">
        <Button tone={unredacted ? 'danger' : 'primary'} disabled={!preview} onClick={() => void (preview && download(preview.fileName, JSON.stringify(preview.har, null, 2)))} data-testid="har-save">
          {unredacted ? 'Save unredacted HAR' : 'Save HAR'}
        </Button>
      </div>
    </section>
  );
}

/** Why things failed, drawn and written: diagnosis of the live trace or of a customer's HAR. */
export function Diagnosis({ onOpenExchange, active }: { onOpenExchange: (id: string) => void; active: boolean }) {
  const store = useStore();
  const exchanges = useLab((s) => s.trace.exchanges.length);
  const lastSeq = useLab((s) => s.trace.lastSeq);
  const [findings, setFindings] = useState<FindingView[] | null>(null);
  const [flows, setFlows] = useState<FlowSummary[]>([]);
  const [flow, setFlow] = useState('');
  const [svg, setSvg] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const [imported, setImported] = useState<HarImportView | null>(null);
  const [importing, setImporting] = useState(false);
  const [importView, setImportView] = useState<'findings' | 'entries'>('findings');
  const [entry, setEntry] = useState<string | null>(null);
  // The imported file's entries, indexed like the live trace, for a Traffic table of their own.
  const importedTrace = useMemo(() => (imported ? traceOf(imported.items) : null), [imported]);
  const file = useRef<HTMLInputElement>(null);

  // Diagnose when the tab is shown and whenever the trace moves on (debounced: bursts cost one run).
  useEffect(() => {
    if (!active) return;
    const t = setTimeout(async () => {
      const [d, f] = await Promise.all([store.run('Diagnosis failed', () => store.api.diagnose({})), store.run('Could not list the flows', () => store.api.flows({}))]);
      if (d) setFindings(d.findings);
      if (f) setFlows(f);
    }, 300);
    return () => clearTimeout(t);
  }, [active, lastSeq, store]);

  const chosen = flows.find((f) => f.id === flow) ?? flows.find((f) => f.kind === 'login') ?? flows[0];
  useEffect(() => {
    if (!active || !chosen) return setSvg(null);
    let live = true;
    void store.run('Could not draw the sequence', () => store.api.sequence({ exchangeIds: chosen.exchangeIds, title: chosen.title })).then((r) => live && r && setSvg(r.svg));
    return () => void (live = false);
  }, [active, chosen?.id, chosen?.exchangeIds.length, store]); // eslint-disable-line react-hooks/exhaustive-deps

  const importFile = async (f: File) => {
    if (f.size > MAX_IMPORT_BYTES) return store.notify('error', 'HAR not imported', `${f.name} is ${formatBytes(f.size)}; the limit is ${formatBytes(MAX_IMPORT_BYTES)}.`);
    setImporting(true);
    try {
      const text = await f.text();
      const r = await store.run(`Could not import ${f.name}`, () => store.api.importHar({ text, name: f.name }));
      if (r) {
        setImported(r);
        setEntry(null);
      }
    } finally {
      setImporting(false);
      if (file.current) file.current.value = '';
    }
  };

  return (
    <div className="diagnosis">
      <div className="toolbar">
        <Button size="sm" tone={exporting ? 'primary' : 'default'} onClick={() => setExporting((e) => !e)} disabled={!exchanges} data-testid="har-export-open">
          Export HAR…
        </Button>
        <Button size="sm" onClick={() => file.current?.click()} data-testid="har-import-open">
          {importing ? 'Importing…' : 'Import HAR…'}
        </Button>
        <input ref={file} type="file" accept=".har,application/json" hidden onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])} data-testid="har-import-file" />
        <span className="toolbar-spacer" />
        <span className="muted small">Every finding is built only from what was recorded, so it reads the same on a customer's HAR.</span>
      </div>
      {imported && importedTrace && (
        <div className="toolbar">
          <Segmented<'findings' | 'entries'>
            label={`What to show of ${imported.name}`}
            value={importView}
            onChange={setImportView}
            testId="har-view"
            options={[
              { value: 'findings', label: 'Findings and sequence' },
              { value: 'entries', label: `Entries (${importedTrace.exchanges.length})` },
            ]}
          />
        </div>
      )}
      {imported && importedTrace && importView === 'entries' ? (
        <Traffic trace={importedTrace} label={`Entries of ${imported.name}`} selectedId={entry} onSelect={setEntry} />
      ) : (
        <div className="diagnosis-body">
          <div className="diagnosis-findings scroll-stack">
            {exporting && <ExportPanel onClose={() => setExporting(false)} />}
            {imported && (
              <section className="imported card" aria-label={`Imported ${imported.name}`} data-testid="har-imported">
                <div className="card-head">
                  <div>
                    <h3 className="card-title">{imported.name}</h3>
                    <span className="muted small">
                      from {imported.creator} · {imported.exchanges} exchanges · {imported.events} lab events ·{' '}
                      {imported.redaction === 'none' ? <Badge tone="error">not redacted</Badge> : imported.redaction === 'redacted' ? <Badge tone="ok">redacted</Badge> : 'redaction unknown'}
                    </span>
                  </div>
                  <Button size="sm" tone="ghost" onClick={() => (setImported(null), setImportView('findings'))} aria-label="Close the imported HAR">
                    ✕
                  </Button>
                </div>
                {imported.warnings.map((w, i) => (
                  <p key={i} className="warning">
                    {w}
                  </p>
                ))}
                <Findings findings={imported.findings} />
              </section>
            )}
            {!imported && (findings === null ? <EmptyState title="Diagnosing…" /> : <Findings findings={findings} onOpenExchange={onOpenExchange} />)}
          </div>
          <div className="diagnosis-sequence">
            <div className="toolbar">
              <span className="panel-title">Sequence</span>
              {!imported && flows.length > 0 && (
                <select aria-label="Flow to draw" value={chosen?.id ?? ''} onChange={(e) => setFlow(e.target.value)}>
                  {flows.map((f) => (
                    <option key={f.id} value={f.id}>
                      {formatClock(f.at)} · {f.title}
                    </option>
                  ))}
                </select>
              )}
            </div>
            {imported ? (
              <SequenceImage svg={imported.svg} label={`Sequence of ${imported.name}`} />
            ) : svg ? (
              <SequenceImage svg={svg} label={`Sequence of ${chosen?.title ?? 'the trace'}`} />
            ) : (
              <EmptyState icon="⇵" title="No flow to draw yet">
                Log in from a virtual browser: each login is drawn browser → balancer → node → CTS, failing step in red.
              </EmptyState>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
