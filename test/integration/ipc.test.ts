import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabBridge } from '../../main/bridge';
import { IPC_PREFIX, commandNames } from '../../main/contract';
import { registerIpc, type IpcEventLike, type IpcMainLike } from '../../main/ipc';
import { Lab } from '../../main/lab/lab';

/** An ipcMain stand-in that records handlers, so the test calls them as Electron would. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async invoke(channel: string, event: IpcEventLike, input?: unknown): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return h(event, input);
  }
}

const fromApp: IpcEventLike = { senderFrame: { url: 'app://lab/index.html', parent: null } };

describe('IPC adapter (main/ipc.ts) with a real lab', () => {
  let lab: Lab;
  let bridge: LabBridge;
  const ipc = new FakeIpcMain();
  let unregister: () => void;

  beforeAll(async () => {
    lab = await Lab.start({ nodes: 2 });
    bridge = new LabBridge(lab);
    unregister = registerIpc(ipc, bridge);
  });
  afterAll(async () => {
    bridge.close();
    await lab.stop();
  });

  it('registers exactly one channel per contract command and nothing generic', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(commandNames.map((n) => IPC_PREFIX + n).sort());
  });

  it('lets the app window reach the lab: a browser is created, stickiness flips, a node dies', async () => {
    const created = (await ipc.invoke('lab:createBrowser', fromApp, { name: 'Support laptop' })) as { ok: true; value: { id: string } };
    expect(created.ok).toBe(true);
    expect(lab.browser(created.value.id).name).toBe('Support laptop');

    const configured = (await ipc.invoke('lab:perform', fromApp, { action: 'configure', patch: { policy: 'sticky' } })) as { ok: boolean };
    expect(configured.ok).toBe(true);
    expect(lab.config.policy).toBe('sticky');
    lab.recorder.flush();
    expect(lab.recorder.events().some((e) => e.type === 'config-changed' && /Stickiness turned on/.test(e.message))).toBe(true);

    const login = (await ipc.invoke('lab:perform', fromApp, { action: 'login', browser: created.value.id, username: 'demo', password: 'Ch4ng31t' })) as { ok: true; value: { steps: { kind: string }[] } };
    expect(login.value.steps.at(-1)?.kind).toBe('success');
    expect((await lab.browser(created.value.id).cookies()).map((c) => c.name).sort()).toEqual(['amlbcookie', 'iPlanetDirectoryPro']);

    await ipc.invoke('lab:perform', fromApp, { action: 'kill-node', node: '02' });
    expect(lab.node('02').running).toBe(false);
    await ipc.invoke('lab:perform', fromApp, { action: 'restart-node', node: '02' });
    expect(lab.node('02').running).toBe(true);
  });

  const strangers: [string, IpcEventLike][] = [
    ['a web origin', { senderFrame: { url: 'https://evil.example/', parent: null } }],
    ['file://', { senderFrame: { url: 'file:///etc/passwd', parent: null } }],
    ['a look-alike host', { senderFrame: { url: 'app://lab.evil/index.html', parent: null } }],
    ['userinfo in the URL', { senderFrame: { url: 'app://lab@evil/index.html', parent: null } }],
    ['another app:// host', { senderFrame: { url: 'app://evil/index.html', parent: null } }],
    ['a dev server', { senderFrame: { url: 'http://127.0.0.1:5173/', parent: null } }],
    ['a subframe of the app', { senderFrame: { url: 'app://lab/index.html', parent: {} } }],
    ['no frame (destroyed)', { senderFrame: null }],
    ['a malformed URL', { senderFrame: { url: 'not a url', parent: null } }],
  ];

  it.each(strangers)('refuses IPC from %s before the lab sees it', async (_what, event) => {
    const browsers = lab.browsers.size;
    const before = lab.config;
    await expect(ipc.invoke('lab:createBrowser', event, { name: 'intruder' })).rejects.toThrow(/not the AM Session Lab window/);
    await expect(ipc.invoke('lab:perform', event, { action: 'configure', patch: { policy: 'round-robin' } })).rejects.toThrow(/not the AM Session Lab window/);
    await expect(ipc.invoke('lab:perform', event, { action: 'kill-node', node: '01' })).rejects.toThrow(/not the AM Session Lab window/);
    expect(lab.browsers.size).toBe(browsers);
    expect(lab.config).toBe(before);
    expect(lab.node('01').running).toBe(true);
  });

  const invalid: [string, string, unknown][] = [
    ['an unknown policy', 'perform', { action: 'configure', patch: { policy: 'sticky-ish' } }],
    ['too many nodes', 'perform', { action: 'configure', patch: { nodes: 50 } }],
    ['an unknown setting', 'perform', { action: 'configure', patch: { policy: 'round-robin', adminPassword: 'x' } }],
    ['a machine setting that is not live', 'perform', { action: 'configure', patch: { contextPath: '/openam' } }],
    ['a negative idle time', 'perform', { action: 'configure', patch: { maxIdleTime: -5 } }],
    ['an unknown action', 'perform', { action: 'reboot-node', node: '01' }],
    ['a path as node id', 'perform', { action: 'kill-node', node: '../01' }],
    ['no node at all', 'perform', { action: 'kill-node' }],
    ['no action at all', 'perform', undefined],
    ['a string instead of an object', 'perform', 'action=drain-node&node=01'],
    ['a number as browser name', 'createBrowser', { name: 5 }],
    ['a negative clock jump', 'perform', { action: 'wait', ms: -60_000 }],
    ['an infinite speed', 'setClockSpeed', { speed: Number.POSITIVE_INFINITY }],
    ['both a browser and a handle to terminate', 'perform', { action: 'admin-terminate', browser: 'b1', handle: 'h' }],
  ];

  it.each(invalid)('rejects %s with the schema message and changes nothing', async (_what, command, input) => {
    const before = lab.config;
    const browsers = lab.browsers.size;
    const clockEvents = lab.recorder.events().length;
    const r = (await ipc.invoke(IPC_PREFIX + command, fromApp, input)) as { ok: boolean; error: { kind: string; message: string } };
    expect(r.ok).toBe(false);
    expect(r.error.kind).toBe('invalid-input');
    expect(r.error.message).toContain(command);
    expect(lab.config).toBe(before);
    expect(lab.browsers.size).toBe(browsers);
    expect(lab.node('01').running).toBe(true);
    lab.recorder.flush();
    expect(lab.recorder.events().length).toBe(clockEvents);
  });

  it('passes operator mistakes back as lab errors (no node 07)', async () => {
    const r = (await ipc.invoke('lab:perform', fromApp, { action: 'kill-node', node: '07' })) as { ok: boolean; error: { kind: string; message: string } };
    expect(r).toMatchObject({ ok: false, error: { kind: 'lab-error' } });
    expect(r.error.message).toMatch(/There is no node 07/);
  });

  it('removes every handler it registered', () => {
    unregister();
    expect(ipc.handlers.size).toBe(0);
  });
});
