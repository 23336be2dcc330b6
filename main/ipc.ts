/**
 * The Electron IPC adapter, written against an ipcMain-like object so it is tested without
 * Electron. One channel per contract command (never a generic send); every handler first checks
 * that the message comes from the app's own top frame, then hands it to the sink (the bridge),
 * whose dispatch validates the input once with the contract's zod schema before the Lab sees it.
 */
import { IPC_PREFIX, commandNames, type CommandName, type Outcome } from './contract';

/** The window's origin: a custom standard scheme, never file:// (Electron checklist item 18). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'lab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export interface IpcFrameLike {
  url: string;
  /** null for a top-level frame. */
  parent?: unknown;
}

export interface IpcEventLike {
  senderFrame: IpcFrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface CommandSink {
  call(name: CommandName, input: unknown): Promise<Outcome<unknown>>;
}

/** Parsed, not prefix-matched: `app://lab.evil/` or `app://lab@evil/` are other origins. */
export function isAppUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** Only the app's own top-level frame may call the lab; subframes and other origins may not. */
export function isTrustedSender(event: IpcEventLike): boolean {
  const frame = event?.senderFrame;
  if (!frame) return false;
  if (frame.parent !== undefined && frame.parent !== null) return false;
  return isAppUrl(frame.url);
}

export class UntrustedSenderError extends Error {}

/** Registers one handler per command; returns a function that removes them all. */
export function registerIpc(ipcMain: IpcMainLike, sink: CommandSink, trusted: (event: IpcEventLike) => boolean = isTrustedSender): () => void {
  for (const name of commandNames) {
    ipcMain.handle(IPC_PREFIX + name, async (event, input) => {
      if (!trusted(event)) {
        let origin = 'an unknown sender';
        try {
          origin = new URL(event?.senderFrame?.url ?? '').origin;
        } catch {
          // keep the generic wording
        }
        throw new UntrustedSenderError(`Refused ${name}: IPC from ${origin} is not the AM Session Lab window`);
      }
      return sink.call(name, input);
    });
  }
  return () => {
    for (const name of commandNames) ipcMain.removeHandler(IPC_PREFIX + name);
  };
}
