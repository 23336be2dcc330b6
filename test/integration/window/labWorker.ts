/**
 * A lab in a worker thread for the window's component tests: jsdom replaces the typed-array
 * globals the engine's crypto needs, so the engine runs in its own Node realm, as it does in the
 * hosts. Messages follow the browser host's wire format.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LabBridge } from '../../../main/bridge';
import { Lab, type LabOptions } from '../../../main/lab/lab';

const port = parentPort!;
const lab = await Lab.start(workerData as LabOptions);
const bridge = new LabBridge(lab, { throttleMs: 10 });
bridge.subscribe((message) => port.postMessage({ type: 'push', message }));
port.on('message', async (m: { type: 'call'; id: number; command: string; input: unknown } | { type: 'stop' }) => {
  if (m.type === 'stop') {
    bridge.close();
    await lab.stop();
    port.postMessage({ type: 'stopped' });
    port.close();
    return;
  }
  port.postMessage({ type: 'result', id: m.id, outcome: await bridge.call(m.command, m.input) });
});
port.postMessage({ type: 'ready' });
