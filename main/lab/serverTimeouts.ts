import type { ServerOptions } from 'node:http';

/**
 * Header and request timeouts for the lab's HTTP servers (balancer front, AM nodes, web host).
 * Node enforces them only when it sweeps its connections, every `connectionsCheckingInterval`
 * (30 s by default), so a slow client configured out at 10 s was cut at 30–40 s. Sweeping at a
 * quarter of the shorter timeout, at most once a second, makes the configured value hold within a
 * second, like HAProxy's `timeout http-request` (408 and close). The sweep only looks at
 * connections with a request in progress: idle keep-alive connections are left to keepAliveTimeout.
 */
export function timeoutOptions(headersTimeoutMs: number, requestTimeoutMs: number): ServerOptions {
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeout = Math.min(headersTimeoutMs, requestTimeoutMs);
  return { headersTimeout, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(headersTimeout / 4))) };
}
