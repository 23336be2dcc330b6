/**
 * Connects the window's store to a real lab for component tests: the lab runs in a worker thread
 * (its own Node realm; jsdom's typed arrays break the engine's crypto) and speaks the browser
 * host's message format, through the same bridge and operation registry the hosts use.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PushMessage } from '../../../main/contract';
import type { LabOptions } from '../../../main/lab/lab';
import { unwrap, type LabConnection } from '../../../renderer/api/client';

// jsdom's import.meta.url is not a file URL; vitest runs from the project root.
const WORKER = join(process.cwd(), 'test/integration/window/labWorker.ts');

export interface WorkerLab {
  connection: LabConnection;
  stop(): Promise<void>;
}

export async function startWorkerLab(opts: LabOptions): Promise<WorkerLab> {
  // Register tsx inside the worker (loader flags are per process), then load the TypeScript lab.
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(WORKER).href)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: opts });
  const waiting = new Map<number, (o: never) => void>();
  const pushes = new Set<(m: PushMessage) => void>();
  let nextId = 1;
  let stopped: () => void = () => undefined;
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: { type: string; id?: number; outcome?: never; message?: PushMessage }) => {
      if (m.type === 'ready') resolve();
      else if (m.type === 'result') {
        waiting.get(m.id!)?.(m.outcome!);
        waiting.delete(m.id!);
      } else if (m.type === 'push') for (const l of pushes) l(m.message!);
      else if (m.type === 'stopped') stopped();
    });
  });
  const connection: LabConnection = {
    kind: 'web',
    api: unwrap((command, input) => new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve as (o: never) => void);
      worker.postMessage({ type: 'call', id, command, input });
    })),
    onPush: (l) => {
      pushes.add(l);
      return () => pushes.delete(l);
    },
    onStatus: (l) => {
      l('open');
      return () => undefined;
    },
    close: () => undefined,
  };
  return {
    connection,
    stop: async () => {
      await new Promise<void>((r) => {
        stopped = r;
        worker.postMessage({ type: 'stop' });
      });
      await worker.terminate();
    },
  };
}

/** react-virtual measures its scroller; jsdom has no layout, so give elements a size. */
export function stubLayout(height = 600, width = 1200): () => void {
  const h = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
  const w = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientWidth');
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => height });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => width });
  return () => {
    if (h) Object.defineProperty(HTMLElement.prototype, 'clientHeight', h);
    if (w) Object.defineProperty(HTMLElement.prototype, 'clientWidth', w);
  };
}
