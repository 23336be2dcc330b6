import type { CommandName, LabApi, Outcome, PushMessage } from '../../main/contract';
import { COMMAND_NAMES } from '../../main/contract/names';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'unauthorized';

export interface LabConnection {
  api: LabApi;
  onPush(listener: (m: PushMessage) => void): () => void;
  onStatus(listener: (s: ConnectionStatus, detail?: string) => void): () => void;
  /** Electron or browser host: shown in the header. */
  kind: 'electron' | 'web';
  close(): void;
}

/** A command the engine refused; its message is written for the operator. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

/** Turns envelope-returning calls into a LabApi whose methods throw CommandError. */
export function unwrap(call: (name: CommandName, input: unknown) => Promise<Outcome<unknown>>): LabApi {
  const api = {} as Record<CommandName, (input: unknown) => Promise<unknown>>;
  for (const name of COMMAND_NAMES) {
    api[name] = async (input: unknown) => {
      const outcome = await call(name, input ?? {});
      if (!outcome.ok) throw new CommandError(name, outcome.error.kind, outcome.error.message);
      return outcome.value;
    };
  }
  return api as unknown as LabApi;
}

