/**
 * How the window reaches the engine. In Electron the preload exposes the contract's methods as
 * `window.sessionLab`; in any other browser the same commands and pushes travel over the browser
 * host's WebSocket. The rest of the renderer sees one LabApi and never knows which.
 */
import type { LabBridgeApi, Outcome } from '../../main/contract';
import { unwrap, type ConnectionStatus, type LabConnection } from './client';
import { connectWebSocket } from './wsTransport';

declare global {
  interface Window {
    sessionLab?: LabBridgeApi;
  }
}

export function connect(): LabConnection {
  const bridge = window.sessionLab;
  if (bridge) {
    const statusListeners = new Set<(s: ConnectionStatus) => void>();
    return {
      kind: 'electron',
      api: unwrap((name, input) => (bridge[name] as (i: unknown) => Promise<Outcome<unknown>>)(input)),
      onPush: (l) => bridge.onPush(l),
      onStatus: (l) => {
        statusListeners.add(l);
        l('open');
        return () => statusListeners.delete(l);
      },
      close: () => undefined,
    };
  }
  return connectWebSocket(readToken());
}

/**
 * The per-launch token arrives in the URL fragment (never sent to the server in a request line).
 * It is kept for this tab only and removed from the address bar.
 */
export function readToken(): string {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem('session-lab-token', fromHash);
    history.replaceState(null, '', location.pathname + location.search);
    return fromHash;
  }
  return sessionStorage.getItem('session-lab-token') ?? '';
}
