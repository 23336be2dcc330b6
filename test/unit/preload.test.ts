import { describe, expect, it, vi } from 'vitest';
import { IPC_PUSH, commandNames } from '../../main/contract';

const h = vi.hoisted(() => ({
  exposed: [] as [string, Record<string, unknown>][],
  invoked: [] as [string, unknown][],
  listeners: new Map<string, (...a: unknown[]) => void>(),
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => h.exposed.push([key, api]) },
  ipcRenderer: {
    invoke: async (channel: string, input: unknown) => (h.invoked.push([channel, input]), { ok: true, value: channel }),
    on: (channel: string, fn: (...a: unknown[]) => void) => h.listeners.set(channel, fn),
    removeListener: (channel: string) => h.listeners.delete(channel),
  },
}));

describe('preload (main/preload.ts)', () => {
  it('exposes one object whose methods are exactly the contract commands plus onPush', async () => {
    await import('../../main/preload');
    expect(h.exposed).toHaveLength(1);
    const [key, api] = h.exposed[0]!;
    expect(key).toBe('sessionLab');
    expect(Object.keys(api).sort()).toEqual([...commandNames, 'onPush'].sort());
    for (const v of Object.values(api)) expect(typeof v).toBe('function');
  });

  it('maps each method to an invoke on its own channel, and never hands the page the IPC event', async () => {
    const api = h.exposed[0]![1] as Record<string, (i?: unknown) => Promise<unknown>>;
    for (const name of commandNames) await api[name]!({ probe: name });
    expect(h.invoked).toEqual(commandNames.map((n) => [`lab:${n}`, { probe: n }]));
    const got: unknown[] = [];
    const off = (api.onPush as unknown as (l: (m: unknown) => void) => () => void)((m) => got.push(m));
    h.listeners.get(IPC_PUSH)!({ sender: 'secret ipc event' }, { type: 'resync' });
    expect(got).toEqual([{ type: 'resync' }]);
    off();
    expect(h.listeners.has(IPC_PUSH)).toBe(false);
  });
});
