/** One sentence on why an exchange went the way it did, read from the engine's structured data. */
import type { LabEvent, TraceExchange } from '../../main/contract';
import { eventSeverity } from './filters';

export function explainExchange(ex: TraceExchange, linked: readonly LabEvent[] = []): string {
  const problem = linked.find((e) => eventSeverity(e) === 'error') ?? linked.find((e) => eventSeverity(e) === 'warn');
  if (problem) return problem.message;
  const r = ex.routing;
  if (r.node === null) return `The balancer could not place this request: ${r.reason} → ${ex.response.status}.`;
  const how = r.redispatched ? `redispatched to node ${r.node} (${r.reason})` : `routed to node ${r.node} by ${r.reason}`;
  const good = linked.find((e) => eventSeverity(e) === 'ok');
  return `${how[0]!.toUpperCase()}${how.slice(1)}; answered ${ex.response.status}${good ? `. ${good.message}` : '.'}`;
}
