import { connect } from 'node:net';
import { Pool } from 'undici';
import { dispatchBuffered } from './exchange';
import type { HealthProbe } from './router';

/** TCP connect check (HAProxy's default check when no http-check is set), or an HTTP check: 2xx/3xx is up, as in HAProxy. */
export function healthCheck(origin: string, probe: HealthProbe | undefined): Promise<boolean> {
  if (!probe) return tcpCheck(origin);
  const pool = new Pool(origin, { connections: 1, connectTimeout: 1_000, headersTimeout: 2_000, bodyTimeout: 2_000 });
  return dispatchBuffered(pool, { method: probe.method, path: probe.path, headers: { 'user-agent': 'session-lab health check' } })
    .then((r) => r.status >= 200 && r.status < 400)
    .catch(() => false)
    .finally(() => void pool.destroy().catch(() => undefined));
}

function tcpCheck(origin: string): Promise<boolean> {
  const { hostname, port } = new URL(origin);
  return new Promise<boolean>((resolve) => {
    const s = connect({ host: hostname, port: Number(port) });
    s.setTimeout(1_000);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

