import type { ClockAnchors } from '../clock';
import type { LabConfig } from '../config';
import type { LabSecrets } from '../am/keys';
import type { CtsConnectionSettings } from '../cts/connections';
import type { TokenStore } from '../cts/store';
import type { StampedEvent } from '../trace/recorder';

/**
 * What the lab and an AM node process say to each other (over a Channel).
 * Lab → node: init (→ {port}), config, clock, stats (→ NodeStats), settle, stop.
 * Node → lab: cts (→ the store's answer), oauth2Key (→ OAuth2KeyData); notifications event, served.
 */
export interface NodeInit {
  id: string;
  /** 0 = any free port; a restart listens on the node's port again. */
  port: number;
  config: LabConfig;
  clock: ClockAnchors;
  secrets: LabSecrets;
  adminPassword: string;
  /** embedded: the lab serves its CTS over the channel, like a network store; ldap: the node opens its own connections. */
  cts: { kind: 'embedded' } | { kind: 'ldap'; settings: CtsConnectionSettings };
}

/** An event as the node emitted it, stamped with its own (mirrored) clock. */
export type EmittedEvent = StampedEvent;

/** The TokenStore operations a node may ask of the embedded CTS. */
export const CTS_OPS = ['create', 'read', 'update', 'delete', 'query', 'expired', 'count'] as const satisfies readonly (keyof TokenStore)[];
export type CtsOp = (typeof CTS_OPS)[number];
export interface CtsCall {
  op: CtsOp;
  args: unknown[];
}
