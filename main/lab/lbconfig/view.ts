import type { LbConfigView } from '../../contract/balancer';
import type { LabConfig } from '../config';
import { implicitServer, mechanismText } from './describe';
import type { AmSide } from './finding';
import { checkModel } from './findings';
import { LabError } from '../labError';
import { LbConfigError, PRODUCT_NAMES, type BalancerModel } from './model';
import { readBalancerConfig } from './read';

/** AM's side of the checks, from the lab's settings: its cookie names and where it is deployed. */
export function amSideOf(cfg: Pick<LabConfig, 'lbCookieName' | 'sessionCookieName' | 'contextPath'>): AmSide {
  return { lbCookie: cfg.lbCookieName, sessionCookie: cfg.sessionCookieName, contextPath: cfg.contextPath };
}

/** Findings route test requests through the model: computed once per file, nodes and AM cookies. */
const cache = new WeakMap<BalancerModel, { key: string; view: LbConfigView }>();

/** A configuration as the window shows it: how it routes, its servers on the lab's nodes (in order), its findings. */
export function configView(m: BalancerModel, nodes: string[], am: AmSide): LbConfigView {
  const key = JSON.stringify([nodes, am]);
  const hit = cache.get(m);
  if (hit?.key === key) return hit.view;
  const view: LbConfigView = {
    product: PRODUCT_NAMES[m.product],
    backend: m.backend,
    mechanism: mechanismText(m),
    servers: m.servers.length
      ? m.servers.map((s, i) => ({ server: s.name === s.address ? s.name : `${s.name} ${s.address}`, ...(s.cookie !== undefined ? { cookie: s.cookie } : {}), node: nodes[i] ?? null, backup: s.backup }))
      : nodes.map((node, i) => ({ server: implicitServer(m, i), node, backup: false })),
    findings: checkModel(m, am),
    notes: [...m.rejected.map((r) => `line ${r.source.line}: ${r.text}`), ...m.notes.map((n) => `${n.source ? `line ${n.source.line}: ` : ''}${n.text}`)],
  };
  cache.set(m, { key, view });
  return view;
}

/** A pasted or loaded file, read and checked without applying it; a file it cannot read is an error naming its line. */
export function checkConfigText(text: string, file: string, nodes: string[], am: AmSide): LbConfigView {
  try {
    return configView(readBalancerConfig(text, file), nodes, am);
  } catch (e) {
    if (e instanceof LbConfigError) throw new LabError(e.message);
    throw e;
  }
}
