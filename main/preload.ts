/**
 * The preload: exposes exactly the contract's named commands (each one invoke on its own channel)
 * and one push subscription. Never ipcRenderer itself, never a generic send(channel, …).
 * Bundled as one CommonJS file, as a sandboxed preload must be.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { PushMessage } from './contract';
import { COMMAND_NAMES, IPC_PREFIX, IPC_PUSH } from './contract/names';

const api: Record<string, unknown> = {};
for (const name of COMMAND_NAMES) api[name] = (input: unknown) => ipcRenderer.invoke(IPC_PREFIX + name, input);
api.onPush = (listener: (m: PushMessage) => void) => {
  // The page gets the message only, never the IPC event (which would leak the sender object).
  const handler = (_event: IpcRendererEvent, message: PushMessage) => listener(message);
  ipcRenderer.on(IPC_PUSH, handler);
  return () => void ipcRenderer.removeListener(IPC_PUSH, handler);
};

contextBridge.exposeInMainWorld('sessionLab', api);
