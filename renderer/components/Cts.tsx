/**
 * The CTS as the window shows it: which store holds the tokens, how to `ldapsearch` it, each
 * replica of the lab's directory with its slapd (stop and start one, or the whole directory, to
 * see what the AM nodes answer), affinity, and the replication delay (live).
 */
import type { CtsStatus } from '../../main/contract/snapshot';
import { settingMeta } from '../../main/contract/settings';
import { formatMs } from '../lib/format';
import { useLab, useStore } from '../state/store';
import { ApplyField, problemOf, valueOf } from './Controls';
import { Badge, Button, CodeBlock } from './ui';
import '../styles/cts.css';

/** The command an engineer runs against a customer's DS; an existing directory's password is asked for (-W), not shown. */
function ldapsearch(cts: CtsStatus, labRun: boolean): string {
  return `ldapsearch -x -H ${cts.url} -D '${cts.bindDn}' ${labRun ? `-w '${cts.password}'` : '-W'} \\\n  -b '${cts.baseDn}' '(coreTokenType=SESSION)' coreTokenId coreTokenUserId coreTokenExpirationDate`;
}

function storeText(cts: CtsStatus, labRun: boolean): string {
  if (cts.kind === 'embedded') return 'Embedded: tokens in the lab’s memory';
  if (!labRun) return `An existing directory (${cts.replicas?.length ?? 1} ${(cts.replicas?.length ?? 1) === 1 ? 'server' : 'servers'})`;
  return `The lab’s directory: OpenLDAP slapd, ${cts.replicaStates.length} ${cts.replicaStates.length === 1 ? 'replica' : 'replicas with multi-provider replication'}`;
}

export function Cts() {
  const store = useStore();
  const cts = useLab((s) => s.snapshot?.cts);
  const delay = useLab((s) => s.snapshot?.config.ctsReplicationDelayMs ?? 0);
  if (!cts) return null;
  const labRun = cts.replicaStates.length > 0;
  const running = cts.replicaStates.filter((r) => r.running).length;
  const act = (title: string, action: Parameters<typeof store.api.perform>[0]) => store.run(title, () => store.api.perform(action));

  return (
    <div className="cts-panel" data-testid="cts-panel">
      <div className="toolbar">
        <span className="tool">Store</span>
        <Badge tone="accent">{cts.kind}</Badge>
        <span data-testid="cts-store">{storeText(cts, labRun)}</span>
        {labRun && (
          <>
            <span className="toolbar-spacer" />
            <Button size="sm" tone="danger" disabled={running === 0} onClick={() => act('Could not stop the directory', { action: 'stop-cts' })} data-testid="cts-stop-all">
              Stop the directory
            </Button>
            <Button size="sm" disabled={running === cts.replicaStates.length} onClick={() => act('Could not start the directory', { action: 'start-cts' })} data-testid="cts-start-all">
              Start the directory
            </Button>
          </>
        )}
      </div>
      {cts.kind === 'embedded' ? (
        <p className="cts-hint muted">
          The embedded store is the default. Start the lab with <code>--cts ldap</code> (and <code>--cts-replicas 2</code>, <code>--cts-affinity</code>) to keep tokens as AM’s CTS entries in a real directory, replicated, that you can stop from here and search with <code>ldapsearch</code>.
        </p>
      ) : (
        <div className="cts-body">
          <section className="cts-replicas" aria-label="Replicas">
            {labRun ? (
              <table className="grid-table" data-testid="cts-replicas">
                <thead>
                  <tr>
                    <th>Replica</th>
                    <th>URL</th>
                    <th>State</th>
                    <th>slapd pid</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {cts.replicaStates.map((r) => (
                    <tr key={r.replica} data-testid={`cts-replica-${r.replica}`} className={r.running ? undefined : 'cts-stopped'}>
                      <td>{r.replica}</td>
                      <td className="mono">{r.url}</td>
                      <td>
                        <Badge tone={r.running ? 'ok' : 'error'}>{r.running ? 'running' : 'stopped'}</Badge>
                      </td>
                      <td className="mono">{r.pid ?? '—'}</td>
                      <td className="cts-row-action">
                        {r.running ? (
                          <Button size="sm" onClick={() => act(`Could not stop replica ${r.replica}`, { action: 'stop-cts-replica', replica: r.replica })} data-testid={`cts-stop-${r.replica}`}>
                            Stop
                          </Button>
                        ) : (
                          <Button size="sm" onClick={() => act(`Could not start replica ${r.replica}`, { action: 'start-cts-replica', replica: r.replica })} data-testid={`cts-start-${r.replica}`}>
                            Start
                          </Button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted">The directory is the machine’s: the lab neither starts nor stops it.</p>
            )}
            <div className="cts-knobs">
              <ApplyField
                label="Replication delay"
                hint="how long a change takes to reach the other replicas (real time)"
                unit={settingMeta('ctsReplicationDelayMs').unit}
                value={String(delay)}
                validate={problemOf('ctsReplicationDelayMs')}
                onApply={(v) => act('Could not change the replication delay', { action: 'configure', patch: { ctsReplicationDelayMs: valueOf('ctsReplicationDelayMs', v) as number } })}
                testId="cfg-ctsReplicationDelayMs"
              />
              <table className="kv cts-facts">
                <tbody>
                  <tr>
                    <th scope="row">CTS affinity</th>
                    <td>
                      <Badge tone={cts.affinity ? 'ok' : 'warn'}>{cts.affinity ? 'on' : 'off'}</Badge>{' '}
                      <span className="muted">{cts.affinity ? 'each token’s reads and writes go to one replica, chosen from its id' : 'round-robin over replicas: a read can reach a replica the write has not reached yet'} (set at start)</span>
                    </td>
                  </tr>
                  {labRun && (
                    <tr>
                      <th scope="row">Started in</th>
                      <td>{formatMs(cts.startMs)}</td>
                    </tr>
                  )}
                </tbody>
              </table>
            </div>
          </section>
          <section className="cts-search" aria-label="Search the CTS">
            <table className="kv">
              <tbody>
                <tr>
                  <th scope="row">Base DN</th>
                  <td className="mono">{cts.baseDn}</td>
                </tr>
                <tr>
                  <th scope="row">Bind DN</th>
                  <td className="mono">{cts.bindDn}</td>
                </tr>
              </tbody>
            </table>
            <CodeBlock label="ldapsearch the lab's sessions" text={ldapsearch(cts, labRun)} testId="cts-ldapsearch" />
          </section>
        </div>
      )}
    </div>
  );
}
