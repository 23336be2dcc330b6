/**
 * AM node processes in the app: Electron's utilityProcess (a Node child the app supervises, with
 * Electron's own runtime) instead of child_process.fork, which a packaged app cannot use to run
 * plain Node. Same contract as the CLI's forkLauncher: a pid, messages, the end, a real SIGKILL.
 */
import { utilityProcess } from 'electron';
import { LabError } from './lab/labError';
import { entry } from './lab/wire/entries';
import type { ChildLink, Launcher } from './lab/wire/launcher';

export const utilityLauncher: Launcher = (name, label) => {
  const file = entry(name).file;
  const child = utilityProcess.fork(file, [label], { serviceName: `AM Session Lab ${label}`, stdio: 'inherit' });
  // A utility process reports only its exit code; the signal is the one the lab sent, if any.
  let sent: string | null = null;
  return new Promise<ChildLink>((resolve, reject) => {
    const early = (code: number) => reject(new LabError(`Could not start ${label} (${file}): exit code ${code}`));
    child.once('exit', early);
    child.once('spawn', () => {
      child.off('exit', early);
      const pid = child.pid!;
      resolve({
        pid,
        send: (m) => child.postMessage(m),
        onMessage: (l) => void child.on('message', l),
        onExit: (l) => void child.once('exit', (code: number) => l(sent ? { code: null, signal: sent } : { code, signal: null })),
        kill: (signal) => {
          sent = signal;
          try {
            process.kill(pid, signal);
          } catch {
            // already gone: its exit is reported
          }
        },
      });
    });
  });
};
