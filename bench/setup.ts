import { Agent, request } from 'undici';
import { startHaproxy, type RunningHaproxy } from './haproxy';
import { firstJson, jsonLines, startTsChild, stopChild, type Child } from './procs';

export interface LightBackends {
  backends: { id: string; port: number }[];
  children: Child[];
  /** Requests each backend has served so far, asked of each backend directly (not through a proxy). */
  served(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** Three light backends, one process each, like three AM servers. */
export async function startLightBackends(): Promise<LightBackends> {
  const children = ['01', '02', '03'].map((id) => startTsChild(`backend ${id}`, 'bench/backend.ts', [id]));
  const backends = await Promise.all(children.map((c) => firstJson<{ id: string; port: number }>(c)));
  const agent = new Agent({ connections: 1 });
  return {
    backends,
    children,
    async served() {
      const out: Record<string, number> = {};
      for (const b of backends) {
        const r = await request(`http://127.0.0.1:${b.port}/bench/served`, { dispatcher: agent });
        out[b.id] = ((await r.body.json()) as { served: number }).served;
      }
      return out;
    },
    async stop() {
      await agent.close();
      await Promise.all(children.map((c) => stopChild(c)));
    },
  };
}

export interface TraceCounters {
  exchanges: number;
  droppedExchanges: number;
  events: number;
  capacity: number;
  delivered: number;
}

export interface LabBalancerChild {
  url: string;
  child: Child;
  /** Stops it and returns the trace counters it printed on the way out. */
  stop(): Promise<{ code: number | null; trace: TraceCounters | undefined }>;
}

export async function startLabBalancer(backends: { id: string; port: number }[], processes = 1): Promise<LabBalancerChild> {
  const child = startTsChild(processes > 1 ? `lab balancer ×${processes}` : 'lab balancer', 'bench/lab-balancer.ts', [...(processes > 1 ? ['--processes', String(processes)] : []), ...backends.map((b) => `${b.id}=http://127.0.0.1:${b.port}`)]);
  const { port } = await firstJson<{ port: number }>(child, 30_000);
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      const end = await stopChild(child);
      return { code: end.code, trace: jsonLines(child).find((l) => l.trace)?.trace as TraceCounters | undefined };
    },
  };
}

/** bench/node-floor.ts: node:http + undici and nothing else, the floor of a one-threaded Node balancer. */
export async function startNodeFloor(backends: { id: string; port: number }[]): Promise<{ url: string; stop(): Promise<unknown> }> {
  const child = startTsChild('node floor', 'bench/node-floor.ts', backends.map((b) => `${b.id}=http://127.0.0.1:${b.port}`));
  const { port } = await firstJson<{ port: number }>(child, 30_000);
  return { url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

export interface LabClusterChild {
  /** Balancer origin (without /am). */
  url: string;
  contextPath: string;
  nodes: { id: string; port: number }[];
  home: string;
  cookie: string;
  child: Child;
  stop(): Promise<{ code: number | null; trace: TraceCounters | undefined; requests: Record<string, number> | undefined }>;
}

export async function startLabCluster(): Promise<LabClusterChild> {
  const child = startTsChild('lab cluster', 'bench/lab-cluster.ts');
  const info = await firstJson<{ balancer: string; nodes: { id: string; url: string }[]; home: string; cookie: string }>(child, 30_000);
  const b = new URL(info.balancer);
  return {
    url: b.origin,
    contextPath: b.pathname,
    nodes: info.nodes.map((n) => ({ id: n.id, port: Number(new URL(n.url).port) })),
    home: info.home,
    cookie: info.cookie,
    child,
    async stop() {
      const end = await stopChild(child);
      const last = jsonLines(child).find((l) => l.trace);
      return { code: end.code, trace: last?.trace as TraceCounters | undefined, requests: last?.requests as Record<string, number> | undefined };
    },
  };
}

export { startHaproxy, type RunningHaproxy };
