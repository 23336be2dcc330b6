import { fork, type ChildProcess } from 'node:child_process';
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

/** The label of AM node `id`'s process. */
export const nodeLabel = (id: string) => `node ${id}`;

/** A Node child running one of the lab's entries, with its IPC channel (forkLauncher; `balance --processes`). */
export function forkEntry(name: EntryName, label: string): ChildProcess {
  const e = entry(name);
  return fork(e.file, [label], {
    // Structured clone (Uint8Array keys, undefined fields) rather than JSON.
    serialization: 'advanced',
    // stdout stays the host's own (serve's first line is JSON); a crash still reaches stderr.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: e.tsx ? ['--import', tsxLoader()] : [],
  });
}

export const forkLauncher: Launcher = (name, label) => {
  const child = forkEntry(name, label);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new LabError(`Could not start ${label} (${entry(name).file}): ${err.message}`)));
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

/**
 * Forks these AM node processes now and hands them to the lab in order when it asks for them by
 * label, so their Node start-up overlaps whatever the host does before Lab.start (the CLI loading
 * the lab's code). A request for any other process forks through `base`; `release` ends the
 * processes the lab did not take (it ran fewer nodes, or did not start).
 */
export function prestartedNodes(labels: string[], base: Launcher = forkLauncher): { launcher: Launcher; release(): void } {
  const waiting = labels.map((label) => {
    const link = base('am-node', label).then(remembersExit);
    link.catch(() => undefined); // reported to the lab when it takes this one; never taken, it is nothing
    return { label, link };
  });
  return {
    launcher: (name, label) => {
      const i = name === 'am-node' ? waiting.findIndex((w) => w.label === label) : -1;
      return i < 0 ? base(name, label) : waiting.splice(i, 1)[0]!.link;
    },
    release: () => {
      for (const w of waiting.splice(0)) w.link.then((l) => l.kill('SIGTERM'), () => undefined);
    },
  };
}

/** A child that may end before anyone listens (waiting to be taken) still reports its end to a later listener. */
function remembersExit(link: ChildLink): ChildLink {
  let end: ProcessEnd | undefined;
  const listeners: ((end: ProcessEnd) => void)[] = [];
  link.onExit((e) => {
    end = e;
    for (const l of listeners.splice(0)) l(e);
  });
  return { ...link, onExit: (l) => (end ? queueMicrotask(() => l(end!)) : void listeners.push(l)) };
}
