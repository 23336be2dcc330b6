import type { CommandName, Outcome, PushMessage, WsResponse } from '../../main/contract';
import { WS_PROTOCOL } from '../../main/contract/names';
import { unwrap, type ConnectionStatus, type LabConnection } from './client';

const RETRY_MS = [250, 500, 1000, 2000, 4000];

/**
 * The browser host's WebSocket: requests carry an id, results come back with it, pushes arrive in
 * between. On a drop it reconnects with backoff; calls made while down wait for the socket.
 */
export function connectWebSocket(token: string): LabConnection {
  const pushListeners = new Set<(m: PushMessage) => void>();
  const statusListeners = new Set<(s: ConnectionStatus, detail?: string) => void>();
  const waiting = new Map<number, (o: Outcome<unknown>) => void>();
  let ws: WebSocket | undefined;
  let nextId = 1;
  let attempt = 0;
  let closed = false;
  let status: ConnectionStatus = 'connecting';
  let ready: Promise<WebSocket>;
  let resolveReady: (w: WebSocket) => void = () => undefined;

  const setStatus = (s: ConnectionStatus, detail?: string) => {
    status = s;
    for (const l of statusListeners) l(s, detail);
  };

  const resetReady = () => {
    ready = new Promise((r) => (resolveReady = r));
  };
  resetReady();

  const open = () => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    // The token rides as a subprotocol: browsers cannot set headers on a WebSocket.
    const socket = new WebSocket(url, [WS_PROTOCOL, `token.${token}`]);
    ws = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      attempt = 0;
      setStatus('open');
      resolveReady(socket);
    };
    socket.onmessage = (ev) => {
      let m: WsResponse;
      try {
        m = JSON.parse(String(ev.data)) as WsResponse;
      } catch {
        return;
      }
      if (m.type === 'push') for (const l of pushListeners) l(m.message);
      else {
        const done = waiting.get(m.id);
        waiting.delete(m.id);
        done?.(m.outcome);
      }
    };
    socket.onclose = () => {
      if (closed) return;
      resetReady();
      for (const [, done] of waiting) done({ ok: false, error: { kind: 'internal', message: 'The connection to the lab was lost; try again' } });
      waiting.clear();
      // Never opened at all, with no token: the user must open the URL the host printed.
      if (!opened && !token) return setStatus('unauthorized', 'This page needs the URL with #token=… that `session-lab web` printed.');
      if (!opened && attempt >= 2) setStatus('unauthorized', 'The lab refused this page: open the URL (with its #token) that `session-lab web` printed on start.');
      else setStatus(attempt === 0 && !opened ? 'connecting' : 'reconnecting');
      const delay = RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]!;
      setTimeout(() => !closed && open(), delay);
    };
  };
  open();

  const call = async (command: CommandName, input: unknown): Promise<Outcome<unknown>> => {
    const socket = await ready;
    const id = nextId++;
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      socket.send(JSON.stringify({ id, command, input }));
    });
  };

  return {
    kind: 'web',
    api: unwrap(call),
    onPush: (l) => {
      pushListeners.add(l);
      return () => pushListeners.delete(l);
    },
    onStatus: (l) => {
      statusListeners.add(l);
      l(status);
      return () => statusListeners.delete(l);
    },
    close: () => {
      closed = true;
      ws?.close();
    },
  };
}
