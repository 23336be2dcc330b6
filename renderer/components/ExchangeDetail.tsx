import { useState } from 'react';
import { useStore } from '../state/store';
import type { LabEvent, TraceExchange } from '../../main/contract';
import { asCurl, asFetch } from '../lib/copyAs';
import { cookiesSent, setCookieRows } from '../lib/cookies';
import { routingText } from '../lib/routing';
import { explainExchange } from '../lib/explain';
import { eventSeverity } from '../lib/filters';
import { formatBytes, formatClockMs, formatDateTime, formatDuration, formatMs, prettyBody } from '../lib/format';
import { CookieColumns } from './Cookies';
import { Badge, Button, CodeBlock, Tabs } from './ui';
import '../styles/detail.css';

type Section = 'overview' | 'request' | 'response' | 'cookies';

function Headers({ headers, label }: { headers: [string, string][]; label: string }) {
  if (!headers.length) return <p className="muted">No headers.</p>;
  return (
    <table className="kv" aria-label={label}>
      <tbody>
        {headers.map(([k, v], i) => (
          <tr key={i}>
            <th scope="row">{k}</th>
            <td className="mono wrap">{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Check({ on }: { on: boolean }) {
  return on ? <span aria-label="yes">✓</span> : <span className="muted" aria-label="no">–</span>;
}

/** Copy the request as cURL or fetch, with the cookies the browser sent: to replay it outside the lab. */
function CopyAs({ ex }: { ex: TraceExchange }) {
  const store = useStore();
  const copy = (what: string, text: string) =>
    void navigator.clipboard?.writeText(text).then(
      () => store.notify('info', `Copied as ${what}`, `${ex.request.method} ${ex.request.path}, with the headers and cookies the browser sent.`),
      () => store.notify('error', 'Not copied', 'The clipboard refused the text.'),
    );
  const cut = ex.request.truncated ? 'The trace kept only the start of this body: the copy would send less than the browser did' : undefined;
  return (
    <div className="detail-copy" role="group" aria-label="Copy the request">
      <Button size="sm" disabled={!!cut} title={cut ?? 'A curl command line, cookies included'} onClick={() => copy('cURL', asCurl(ex))} data-testid="copy-curl">
        Copy as cURL
      </Button>
      <Button size="sm" disabled={!!cut} title={cut ?? 'A fetch() call for Node 18+ (a page’s fetch would drop the Cookie header)'} onClick={() => copy('fetch', asFetch(ex))} data-testid="copy-fetch">
        Copy as fetch
      </Button>
    </div>
  );
}

/** One exchange in full: what was sent, what came back, which cookies moved and why it was routed there. */
export function ExchangeDetail({ exchange: ex, linked, onClose, browserName }: { exchange: TraceExchange; linked: LabEvent[]; onClose: () => void; browserName: string }) {
  const [section, setSection] = useState<Section>('overview');
  const sent = cookiesSent(ex.request.headers);
  const set = setCookieRows(ex.response.headers, ex.labEnd);
  const r = ex.routing;
  return (
    <aside className="detail" aria-label={`Exchange ${ex.seq}`} data-testid="exchange-detail">
      <div className="detail-head">
        <div className="detail-title">
          <span className={`status status-${ex.response.status >= 400 ? (ex.response.status === 401 ? 'unauth' : 'client') : 'ok'}`}>{ex.response.status}</span>
          <span className="mono">{ex.request.method}</span>
          <span className="mono ellipsis" title={ex.request.url}>
            {ex.request.path}
          </span>
        </div>
        <CopyAs ex={ex} />
        <Button size="sm" tone="ghost" onClick={onClose} aria-label="Close the exchange details">
          ✕
        </Button>
      </div>
      <Tabs<Section>
        label="Exchange details"
        active={section}
        onChange={setSection}
        tabs={[
          { id: 'overview', label: 'Overview' },
          { id: 'request', label: 'Request' },
          { id: 'response', label: 'Response' },
          { id: 'cookies', label: 'Cookies', count: sent.length + set.length },
        ]}
      />
      <div className="detail-body" role="tabpanel" id={`panel-${section}`} aria-labelledby={`tab-${section}`}>
        {section === 'overview' && (
          <>
            <p className={`explain explain-${ex.response.status >= 400 ? 'error' : 'ok'}`} data-testid="explanation">
              {explainExchange(ex, linked)}
            </p>
            <h3 className="detail-h">Routing decision</h3>
            <table className="kv">
              <tbody>
                <tr>
                  <th scope="row">Policy</th>
                  <td>{r.policy}</td>
                </tr>
                <tr>
                  <th scope="row">Reason</th>
                  <td data-testid="routing-reason">{routingText(r)}</td>
                </tr>
                <tr>
                  <th scope="row">Sticky cookie sent</th>
                  <td className="mono">{r.cookie ?? <span className="muted">none</span>}</td>
                </tr>
                <tr>
                  <th scope="row">Node</th>
                  <td>{r.node ? `node ${r.node}` : <span className="muted">none could take it</span>}</td>
                </tr>
                <tr>
                  <th scope="row">Redispatched</th>
                  <td>{r.redispatched ? <Badge tone="warn">yes</Badge> : 'no'}</td>
                </tr>
                {r.attempts.length > 0 && (
                  <tr>
                    <th scope="row">Attempts</th>
                    <td>
                      {r.attempts.map((a, i) => (
                        <div key={i}>
                          node {a.node}: {a.outcome}
                        </div>
                      ))}
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
            {linked.length > 0 && (
              <>
                <h3 className="detail-h">What the cluster recorded</h3>
                <ul className="linked">
                  {linked.map((e) => (
                    <li key={e.seq} className={`linked-${eventSeverity(e)}`}>
                      <span className="event-type">{e.type.replace(/-/g, ' ')}</span> {e.message}
                    </li>
                  ))}
                </ul>
              </>
            )}
            <h3 className="detail-h">Timing</h3>
            <table className="kv">
              <tbody>
                <tr>
                  <th scope="row">Lab time</th>
                  <td>
                    {formatClockMs(ex.labStart)} → {formatClockMs(ex.labEnd)}
                  </td>
                </tr>
                <tr>
                  <th scope="row">Browser</th>
                  <td>{browserName}</td>
                </tr>
                <tr>
                  <th scope="row">Measured (real)</th>
                  <td>
                    send {formatMs(ex.timings.send)} · wait {formatMs(ex.timings.wait)} · receive {formatMs(ex.timings.receive)} · total {formatMs(ex.timings.total)}
                  </td>
                </tr>
                {ex.error && (
                  <tr>
                    <th scope="row">Error</th>
                    <td className="mono">{ex.error}</td>
                  </tr>
                )}
              </tbody>
            </table>
          </>
        )}
        {section === 'request' && (
          <>
            <p className="mono wrap small">
              {ex.request.method} {ex.request.url} {ex.request.httpVersion}
            </p>
            <h3 className="detail-h">Headers</h3>
            <Headers headers={ex.request.headers} label="Request headers" />
            <h3 className="detail-h">Body {ex.request.bodySize > 0 && <span className="muted">({formatBytes(ex.request.bodySize)})</span>}</h3>
            <CodeBlock text={prettyBody(ex.request.body)} label="Request body" testId="request-body" />
          </>
        )}
        {section === 'response' && (
          <>
            <p className="mono small">
              {ex.response.status} {ex.response.statusText}
            </p>
            <h3 className="detail-h">Headers</h3>
            <Headers headers={ex.response.headers} label="Response headers" />
            <h3 className="detail-h">Body {ex.response.bodySize > 0 && <span className="muted">({formatBytes(ex.response.bodySize)})</span>}</h3>
            <CodeBlock text={prettyBody(ex.response.body)} label="Response body" testId="response-body" />
          </>
        )}
        {section === 'cookies' && (
          <>
            <h3 className="detail-h">Sent with the request</h3>
            {sent.length ? (
              <table className="grid-table" aria-label="Cookies sent">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Value</th>
                  </tr>
                </thead>
                <tbody>
                  {sent.map((c, i) => (
                    <tr key={i}>
                      <td className="mono">{c.name}</td>
                      <td className="mono wrap">{c.value}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted">No cookies were sent.</p>
            )}
            <h3 className="detail-h">Set by the response</h3>
            {set.length ? (
              <table className="grid-table" aria-label="Cookies set" data-testid="set-cookies">
                <CookieColumns />
                <tbody>
                  {set.map((c, i) => (
                    <tr key={i} className={c.removes ? 'is-removed' : ''}>
                      <td className="mono">
                        {c.name} {c.removes && <Badge tone="warn">removes</Badge>}
                      </td>
                      <td className="mono wrap">{c.value}</td>
                      <td className="mono">{c.path ?? '—'}</td>
                      <td>
                        {c.expiresAt === null ? (
                          'Session'
                        ) : c.expiresAt <= ex.labEnd ? (
                          <span title={c.raw}>in the past ({c.expirySource})</span>
                        ) : (
                          <span title={c.raw}>
                            {formatDateTime(c.expiresAt)} <span className="muted">(in {formatDuration(c.expiresAt - ex.labEnd)})</span>
                          </span>
                        )}
                      </td>
                      <td>
                        <Check on={c.httpOnly} />
                      </td>
                      <td>
                        <Check on={c.secure} />
                      </td>
                      <td>{c.sameSite ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted">The response set no cookies.</p>
            )}
          </>
        )}
      </div>
    </aside>
  );
}
