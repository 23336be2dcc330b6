/** The balancer's routing decision in words: what it did with the sticky cookie, not its policy's name again. */
import type { RoutingDecision } from '../../main/contract/trace';

export function routingText(r: Pick<RoutingDecision, 'policy' | 'reason' | 'cookie' | 'cookieName'>): string {
  // A round-robin balancer records only "round-robin": say what that meant for the cookie it was sent.
  if (r.reason === 'round-robin') return r.cookie !== null ? `ignored ${r.cookieName ?? 'amlbcookie'}=${r.cookie} (round-robin)` : `round-robin, no ${r.cookieName ?? 'amlbcookie'} sent`;
  return r.reason || r.policy;
}
