/**
 * An AM node process: one AM server (AmNode) with its own memory, its own CTS connection (the lab's
 * embedded store over the channel, or the directory directly, as AM opens its own pool) and its own
 * session service, following the lab's clock and settings as the lab sends them. Its events go to
 * the lab's trace. It ends with the lab: when the channel to the lab closes, so does the process.
 */
import { keysOf, type OAuth2KeyData } from '../am/keys';
import { AmNode } from '../am/node';
import { SessionService } from '../am/sessionService';
import { UserStore } from '../am/users';
import { LabClock, type ClockAnchors } from '../clock';
import type { LabConfig } from '../config';
import { DelayedStore } from '../cts/latency';
import { RemoteTokenStore } from '../cts/remoteStore';
import type { TokenStore } from '../cts/store';
import type { EmitEvent } from '../trace/types';
import { Channel, type Link } from '../wire/channel';
import type { EmittedEvent, NodeInit } from './protocol';

/** The lab, as this process sees it: Node's IPC channel, or Electron's parentPort in a utility process. */
function parentLink(): Link {
  const parentPort = (process as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', l: (e: { data: unknown }) => void): void } }).parentPort;
  if (parentPort) return { send: (m) => parentPort.postMessage(m), onMessage: (l) => parentPort.on('message', (e) => l(e.data)) };
  if (!process.send) throw new Error('An AM node process is started by the lab (session-lab), not on its own');
  process.on('disconnect', () => process.exit(0));
  return { send: (m) => void process.send!(m), onMessage: (l) => void process.on('message', l) };
}

let node: AmNode | undefined;
let config: LabConfig;
let clock: LabClock;

const channel: Channel = new Channel(
  parentLink(),
  {
    init: async (init: NodeInit) => {
      config = init.config;
      clock = LabClock.following(init.clock);
      const cts = await connect(init);
      const keys = keysOf(init.secrets, () => channel.call<OAuth2KeyData>('oauth2Key'));
      const emit: EmitEvent = (type, fields) => {
        const e: EmittedEvent = { type, node: fields.node ?? null, exchangeId: fields.exchangeId ?? null, data: fields.data, labTime: clock.now(), realTime: Date.now() };
        channel.notify('event', e);
      };
      node = new AmNode(init.id, {
        config: () => config,
        clock,
        cts,
        keys,
        users: new UserStore(config.users, init.adminPassword, config.agents),
        sessions: new SessionService({ config: () => config, clock, cts, keys, emit }),
        emit,
        // Only a real balancer in front needs telling which node answered (the lab's own proxy knows).
        served: (exchangeId) => config.balancer !== 'built-in' && channel.notify('served', exchangeId),
      });
      await node.start(init.port);
      return { port: node.port };
    },
    config: (c: LabConfig) => void (config = c),
    clock: ({ anchors, advancedBy }: { anchors: ClockAnchors; advancedBy: number }) => clock.follow(anchors, advancedBy),
    stats: () => node!.stats(),
    // Events go out before the answer to this call (one ordered channel): answering is enough.
    settle: () => null,
    stop: async () => {
      await node?.kill();
      setImmediate(() => process.exit(0));
      return null;
    },
  },
  'the lab',
);

async function connect(init: NodeInit): Promise<TokenStore> {
  if (init.cts.kind === 'embedded') return new RemoteTokenStore((c) => channel.call('cts', c));
  // Loaded only by nodes on a directory: the embedded case starts without the LDAP client.
  const { LdapTokenStore } = await import('../cts/ldapStore');
  return new DelayedStore(new LdapTokenStore(init.cts.settings), () => config.ctsLatencyMs);
}
