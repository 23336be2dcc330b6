/**
 * A recorded request as something to paste and send again, as DevTools' "Copy as cURL / fetch":
 * the same method, URL, headers (the Cookie header the virtual browser sent, so the lab's session
 * goes with it) and body. Headers the client sets on its own (Host, Content-Length, Connection)
 * are left to it.
 */
import type { TraceExchange } from '../../main/contract';

const OWN = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive']);

const sent = (ex: TraceExchange) => ex.request.headers.filter(([name]) => !OWN.has(name.toLowerCase()));

/** POSIX shell single quotes: nothing inside is expanded. */
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function asCurl(ex: TraceExchange): string {
  const parts = [`curl ${sh(ex.request.url)}`];
  if (ex.request.method !== (ex.request.body ? 'POST' : 'GET')) parts.push(`-X ${ex.request.method}`);
  for (const [name, value] of sent(ex)) parts.push(`-H ${sh(`${name}: ${value}`)}`);
  if (ex.request.body) parts.push(`--data-raw ${sh(ex.request.body)}`);
  return parts.join(' \\\n  ');
}

/** For Node 18+ (a page's fetch drops the Cookie header: browsers send their own cookies). */
export function asFetch(ex: TraceExchange): string {
  const init: { method: string; headers: Record<string, string>; body?: string } = { method: ex.request.method, headers: Object.fromEntries(sent(ex)) };
  if (ex.request.body) init.body = ex.request.body;
  return `await fetch(${JSON.stringify(ex.request.url)}, ${JSON.stringify(init, null, 2)});`;
}
