import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { NodeStatus, WindowSnapshot } from '../../main/contract';
import { useLab, useStore } from '../state/store';
import { Badge, Menu } from './ui';
import '../styles/topology.css';

interface Pulse {
  key: number;
  node: number;
  tone: 'ok' | 'error' | 'none';
}

const MAX_PULSES = 24;
const ROW = { browsers: 26, balancer: 86, nodes: 142, cts: 250 } as const;
const NODE_H = 78;

function useWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [w, setW] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setW(el.clientWidth);
    const ro = new ResizeObserver(() => setW(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, w];
}

function stateTone(n: NodeStatus): 'ok' | 'error' | 'warn' {
  return n.state === 'up' ? 'ok' : n.state === 'drained' ? 'warn' : 'error';
}

function stateText(n: NodeStatus): string {
  if (n.state === 'drained') return 'drained';
  if (n.state === 'down') return n.running ? 'down (health check)' : 'down';
  return 'up';
}

/**
 * Browsers → balancer → nodes → CTS, live. Each exchange sends a dot along the edge the balancer
 * really chose (the node in its routing decision), green for 2xx/3xx, red for errors.
 */
export function Topology() {
  const store = useStore();
  const snapshot = useLab((s) => s.snapshot);
  const exchanges = useLab((s) => s.trace.exchanges);
  const [ref, width] = useWidth<HTMLDivElement>();
  const [pulses, setPulses] = useState<Pulse[]>([]);
  const seen = useRef<number>(-1);
  const pulseKey = useRef(0);
  const nodes = snapshot?.nodes ?? [];
  const reduceMotion = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;

  useEffect(() => {
    const last = exchanges.length ? exchanges[exchanges.length - 1]!.seq : 0;
    // The first render shows history as it is; only traffic from now on animates.
    if (seen.current < 0) {
      seen.current = last;
      return;
    }
    const fresh: Pulse[] = [];
    for (let i = exchanges.length - 1; i >= 0 && exchanges[i]!.seq > seen.current && fresh.length < MAX_PULSES; i--) {
      const ex = exchanges[i]!;
      const node = nodes.findIndex((n) => n.id === ex.routing.node);
      fresh.push({ key: ++pulseKey.current, node, tone: ex.response.status >= 400 || ex.routing.node === null ? 'error' : 'ok' });
    }
    seen.current = last;
    if (fresh.length) setPulses((p) => [...p, ...fresh.reverse()].slice(-MAX_PULSES));
  }, [exchanges, nodes]);

  if (!snapshot) return <div className="topology is-loading" aria-busy="true" />;

  const n = nodes.length;
  const cx = width / 2;
  const slot = n ? width / n : width;
  const nodeW = Math.max(96, Math.min(176, slot - 14));
  const nodeX = (i: number) => slot * (i + 0.5);
  const edge = (i: number) => `M ${cx} ${ROW.balancer + 26} C ${cx} ${ROW.balancer + 52}, ${nodeX(i)} ${ROW.nodes - 30}, ${nodeX(i)} ${ROW.nodes}`;
  const pulsePath = (i: number) => (i < 0 ? `M ${cx} ${ROW.browsers + 16} L ${cx} ${ROW.balancer}` : `M ${cx} ${ROW.browsers + 16} L ${cx} ${ROW.balancer + 26} C ${cx} ${ROW.balancer + 52}, ${nodeX(i)} ${ROW.nodes - 30}, ${nodeX(i)} ${ROW.nodes}`);
  const hot = new Set(pulses.map((p) => p.node));
  const activeSessions = snapshot.sessionCounts.active;
  const browsers = snapshot.browsers.length;

  return (
    <div className="topology" ref={ref} role="group" aria-label="Cluster topology" data-testid="topology">
      {width > 0 && (
        <>
          <svg className="topology-edges" width={width} height={ROW.cts + 30} aria-hidden="true">
            <line x1={cx} y1={ROW.browsers + 16} x2={cx} y2={ROW.balancer - 24} className="edge edge-client" />
            {nodes.map((node, i) => (
              <g key={node.id}>
                <path d={edge(i)} className={`edge edge-${node.state}${hot.has(i) ? ' is-hot' : ''}`} />
                <line x1={nodeX(i)} y1={ROW.nodes + NODE_H} x2={nodeX(i)} y2={ROW.cts - 12} className={`edge edge-cts edge-${node.state}`} />
              </g>
            ))}
          </svg>
          <div className="topo-browsers" style={{ left: cx, top: ROW.browsers - 14 }}>
            {browsers ? `${browsers} virtual browser${browsers === 1 ? '' : 's'}` : 'virtual browsers'}
          </div>
          <div className="topo-balancer" style={{ left: cx, top: ROW.balancer - 24 }} data-testid="balancer">
            <div className="topo-title">Load balancer</div>
            <div className="topo-sub">
              {snapshot.config.policy === 'sticky' ? (
                <>
                  sticky on <code>{snapshot.config.lbCookieName}</code>
                </>
              ) : snapshot.config.policy === 'active-passive' ? (
                'active / passive'
              ) : (
                'round-robin · not sticky'
              )}
            </div>
          </div>
          {nodes.map((node, i) => (
            <div
              key={node.id}
              className={`topo-node is-${node.state}`}
              style={{ left: nodeX(i), top: ROW.nodes, width: nodeW, height: NODE_H }}
              data-testid={`node-${node.id}`}
              data-state={node.state}
              aria-label={`Node ${node.id}: ${stateText(node)}, ${node.sessions} sessions`}
            >
              <div className="topo-node-head">
                <span className="topo-node-name">Node {node.id}</span>
                <Badge tone={stateTone(node)}>{stateText(node)}</Badge>
                <Menu
                  label={`Node ${node.id} actions`}
                  testId={`node-menu-${node.id}`}
                  items={[
                    { label: 'Kill node', danger: true, disabled: !node.running, testId: `kill-${node.id}`, onSelect: () => void store.run(`Could not kill node ${node.id}`, () => store.api.perform({ action: 'kill-node', node: node.id })) },
                    { label: node.running ? 'Restart node' : 'Start node', testId: `restart-${node.id}`, onSelect: () => void store.run(`Could not restart node ${node.id}`, () => store.api.perform({ action: 'restart-node', node: node.id })) },
                    node.state === 'drained'
                      ? { label: 'Undrain (take new users)', testId: `undrain-${node.id}`, onSelect: () => void store.run('Could not undrain', () => store.api.perform({ action: 'undrain-node', node: node.id })) }
                      : { label: 'Drain (keep sticky users only)', disabled: !node.running, testId: `drain-${node.id}`, onSelect: () => void store.run('Could not drain', () => store.api.perform({ action: 'drain-node', node: node.id })) },
                  ]}
                />
              </div>
              <dl className="topo-node-stats">
                <div>
                  <dt>sessions</dt>
                  <dd data-testid={`node-sessions-${node.id}`}>{node.sessions}</dd>
                </div>
                <div title="Auth sessions (logins in progress) held in this node's memory">
                  <dt>in memory</dt>
                  <dd>{node.authSessionsInMemory}</dd>
                </div>
                <div>
                  <dt>requests</dt>
                  <dd>{node.requests}</dd>
                </div>
              </dl>
            </div>
          ))}
          <div className="topo-cts" data-testid="topo-cts" style={{ top: ROW.cts - 12 }}>
            <span className="topo-title">CTS</span>
            <span className="topo-sub">
              {ctsStore(snapshot.cts)} · {activeSessions} session{activeSessions === 1 ? '' : 's'}
              {snapshot.config.sessions === 'client' ? ' (client-based sessions live in the cookie)' : ''}
            </span>
          </div>
          {!reduceMotion &&
            pulses.map((p) => (
              <span
                key={p.key}
                className={`pulse pulse-${p.tone}`}
                style={{ offsetPath: `path("${pulsePath(p.node)}")` }}
                onAnimationEnd={() => setPulses((all) => all.filter((x) => x.key !== p.key))}
              />
            ))}
        </>
      )}
    </div>
  );
}

/** Which token store the nodes share, as the CTS tab names it: the bar must not say "embedded" over a directory. */
function ctsStore(cts: WindowSnapshot['cts']): string {
  if (cts.kind === 'embedded') return 'shared token store';
  const n = cts.replicaStates.length;
  if (n === 0) return `directory at ${cts.url ?? 'LDAP'}`;
  const stopped = cts.replicaStates.filter((r) => !r.running).length;
  return `OpenLDAP slapd · ${n} replica${n === 1 ? '' : 's'}${stopped ? ` (${stopped} stopped)` : ''}`;
}
