import { useCallback, useState } from 'react';
import { useStore } from '../state/store';

/** At most this many admin terminations in flight: each is a real logoutByHandle through the balancer. */
const PARALLEL = 4;

/**
 * Admin termination of one session or a selection, asked first (AM cannot undo it), then done one
 * `admin-terminate` action per session, as amadmin through AM's REST API, with progress.
 */
export function useTerminate(onDone: () => void) {
  const store = useStore();
  const [asking, setAsking] = useState<{ handles: string[]; what: string } | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const ask = useCallback((handles: string[], what: string) => setAsking({ handles, what }), []);
  const confirm = async () => {
    if (!asking) return;
    const { handles } = asking;
    setAsking(null);
    setProgress({ done: 0, total: handles.length });
    let done = 0;
    let failed = 0;
    const queue = [...handles];
    const worker = async () => {
      for (let h = queue.shift(); h !== undefined; h = queue.shift()) {
        try {
          await store.api.perform({ action: 'admin-terminate', handle: h });
        } catch {
          failed++;
        }
        setProgress({ done: ++done, total: handles.length });
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, handles.length) }, worker));
    setProgress(null);
    if (failed) store.notify('error', 'Some sessions were not terminated', `${failed} of ${handles.length} could not be ended (the CTS or amadmin's login failed); they stay listed.`);
    else if (handles.length > 1) store.notify('info', 'Sessions terminated', `${handles.length} sessions ended by amadmin.`);
    onDone();
  };
  return {
    ask,
    asking,
    confirm: () => void confirm(),
    cancel: () => setAsking(null),
    busy: progress !== null,
    progress: progress ? `Terminating ${progress.done}/${progress.total}…` : '',
  };
}
