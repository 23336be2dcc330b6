import { fork } from 'node:child_process';
import { LabError } from '../labError';
import type { Link } from './channel';
import { entry, tsxLoader, type EntryName } from './entries';

/** How a process ended: its exit code, or the signal that killed it. */
export interface ProcessEnd {
  code: number | null;
  signal: string | null;
}

/** A child process of the lab, seen from the lab: its pid, its messages, its end. */
export interface ChildLink extends Link {
  readonly pid: number;
  onExit(listener: (end: ProcessEnd) => void): void;
  /** Sends a signal (a node kill is SIGKILL: no chance to clean up, as when AM's JVM is killed). */
  kill(signal: 'SIGKILL' | 'SIGTERM'): void;
}

/**
 * Starts one of the lab's processes, resolving once it exists (its pid known). The CLI and the
 * browser host fork a Node child (forkLauncher); the Electron app starts a utilityProcess.
 * `label` names it in `ps` (node 01).
 */
export type Launcher = (name: EntryName, label: string) => Promise<ChildLink>;

export const forkLauncher: Launcher = (name, label) => {
  const e = entry(name);
  const child = fork(e.file, [label], {
    // Structured clone (Uint8Array keys, undefined fields) rather than JSON.
    serialization: 'advanced',
    // stdout stays the host's own (serve's first line is JSON); a crash still reaches stderr.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: e.tsx ? ['--import', tsxLoader()] : [],
  });
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new LabError(`Could not start ${label} (${e.file}): ${err.message}`)));
    child.once('spawn', () => {
      // A send racing the child's death fails here, not as an unhandled 'error'; the exit is reported.
      child.on('error', () => undefined);
      resolve({
        pid: child.pid!,
        send: (m) => void child.send(m as never, () => undefined),
        onMessage: (l) => void child.on('message', l),
        onExit: (l) => void child.once('exit', (code, signal) => l({ code, signal })),
        kill: (signal) => void child.kill(signal),
      });
    });
  });
};
