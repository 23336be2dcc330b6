import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * The Electron main process with a stand-in `electron` module (the binary cannot run here). The
 * lab it starts is real; the test reads back what the host asked Electron to do.
 */
const h = vi.hoisted(() => {
  type Fn = (...args: any[]) => any;
  const state = {
    windows: [] as any[],
    app: new Map<string, Fn>(),
    protocol: undefined as undefined | Fn,
    privileged: undefined as unknown,
    permissionRequest: undefined as undefined | Fn,
    permissionCheck: undefined as undefined | Fn,
    ipc: new Map<string, Fn>(),
    exitCode: undefined as undefined | number,
  };
  class FakeWebContents {
    readonly events = new Map<string, Fn>();
    openHandler: Fn | undefined;
    readonly sent: unknown[] = [];
    on(event: string, fn: Fn) {
      this.events.set(event, fn);
      return this;
    }
    setWindowOpenHandler(fn: Fn) {
      this.openHandler = fn;
    }
    send(_channel: string, message: unknown) {
      this.sent.push(message);
    }
  }
  class BrowserWindow {
    readonly webContents = new FakeWebContents();
    loaded: string | undefined;
    constructor(readonly options: any) {
      state.windows.push(this);
    }
    once() {}
    on() {}
    async loadURL(url: string) {
      this.loaded = url;
    }
    isDestroyed() {
      return false;
    }
    static getAllWindows() {
      return state.windows;
    }
  }
  return { state, BrowserWindow, FakeWebContents };
});

vi.mock('electron', () => ({
  app: {
    requestSingleInstanceLock: () => true,
    whenReady: () => Promise.resolve(),
    on: (event: string, fn: (...a: any[]) => any) => h.state.app.set(event, fn),
    quit: () => undefined,
    exit: (code: number) => void (h.state.exitCode = code),
  },
  BrowserWindow: h.BrowserWindow,
  // Node processes are tested with their own stand-in (electronNodes.test.ts); this lab runs in-process.
  utilityProcess: { fork: () => { throw new Error('no utility processes in this test'); } },
  ipcMain: { handle: (ch: string, fn: (...a: any[]) => any) => h.state.ipc.set(ch, fn), removeHandler: (ch: string) => h.state.ipc.delete(ch) },
  protocol: {
    registerSchemesAsPrivileged: (s: unknown) => void (h.state.privileged = s),
    handle: (_scheme: string, fn: (...a: any[]) => any) => void (h.state.protocol = fn),
  },
  session: {
    defaultSession: {
      setPermissionRequestHandler: (fn: (...a: any[]) => any) => void (h.state.permissionRequest = fn),
      setPermissionCheckHandler: (fn: (...a: any[]) => any) => void (h.state.permissionCheck = fn),
    },
  },
}));

describe('Electron host (main/electron.ts)', () => {
  beforeAll(async () => {
    await import('../../main/electron');
    await vi.waitFor(() => expect(h.state.windows.length).toBe(1), { timeout: 10_000 });
  });
  afterAll(async () => {
    // before-quit stops the lab (its sockets) and then exits.
    h.state.app.get('before-quit')?.({ preventDefault: () => undefined });
    await vi.waitFor(() => expect(h.state.exitCode).toBe(0), { timeout: 10_000 });
  });

  it('creates the window with isolation, sandbox, no Node and web security, and a preload inside the app', () => {
    const prefs = h.state.windows[0].options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(prefs.allowRunningInsecureContent).not.toBe(true);
    expect(prefs.experimentalFeatures).not.toBe(true);
    expect(prefs.enableBlinkFeatures).toBeUndefined();
    expect(prefs.preload).toMatch(/preload\.cjs$/);
    expect(h.state.windows[0].loaded).toBe('app://lab/index.html');
  });

  it('denies navigation, new windows, webviews and every permission', () => {
    const contents = new h.FakeWebContents();
    h.state.app.get('web-contents-created')!({}, contents);
    for (const [event, url] of [
      ['will-navigate', 'https://evil.example/'],
      ['will-navigate', 'https://docs.pingidentity.com.evil.example/x'],
      ['will-navigate', 'javascript:alert(1)'],
      ['will-navigate', 'file:///'],
      ['will-redirect', 'smb://x'],
      ['will-attach-webview', 'app://lab/'],
    ] as const) {
      let prevented = false;
      contents.events.get(event)!({ preventDefault: () => void (prevented = true) }, url);
      expect(prevented, `${event} ${url}`).toBe(true);
    }
    expect(contents.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    let granted: boolean | undefined;
    h.state.permissionRequest!({}, 'media', (ok: boolean) => void (granted = ok));
    expect(granted).toBe(false);
    expect(h.state.permissionCheck!({}, 'clipboard-read')).toBe(false);
  });

  it('serves the window from app:// with a CSP, and 404 on traversal or another host', async () => {
    const get = (url: string) => h.state.protocol!(new Request(url)) as Promise<Response>;
    const index = await get('app://lab/index.html');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(index.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval/);
    for (const bad of ['app://lab/%2e%2e/%2e%2e/package.json', 'app://lab/..%2f..%2fpackage.json', 'app://lab/%2e%2e%5cpackage.json', 'app://other/index.html']) {
      expect((await get(bad)).status, bad).toBe(404);
    }
    expect(h.state.privileged).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
  });

  it('answers the contract over IPC only for its own frame, and pushes state to the window', async () => {
    const snapshot = h.state.ipc.get('lab:snapshot')!;
    const ok = await snapshot({ senderFrame: { url: 'app://lab/index.html', parent: null } }, {});
    expect(ok.ok).toBe(true);
    expect(ok.value.nodes).toHaveLength(3);
    await expect(snapshot({ senderFrame: { url: 'https://evil.example/', parent: null } }, {})).rejects.toThrow(/not the AM Session Lab window/);
    await vi.waitFor(() => expect(h.state.windows[0].webContents.sent.some((m: any) => m.type === 'state')).toBe(true));
  });
});
