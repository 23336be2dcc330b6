/**
 * The Electron host: a main process that runs the Lab and one window over the same contract as
 * the browser host. Hardened per Electron's security checklist: isolated, sandboxed renderer
 * without Node; a strict CSP; the UI served from app:// (not file://); no navigation, no new
 * windows, no webviews, no permissions; IPC only from the app's own frame.
 */
import { app, BrowserWindow, ipcMain, protocol, session, type WebContents } from 'electron';
import { join } from 'node:path';
import { LabBridge } from './bridge';
import { IPC_PUSH } from './contract';
import { utilityLauncher } from './electronNodes';
import { APP_HOST, APP_ORIGIN, APP_SCHEME, registerIpc } from './ipc';
import { Lab } from './lab/lab';
import { setBuiltinDir } from './lab/scenario';
import { contentSecurityPolicy, readStatic } from './staticFiles';

// out/electron/main.cjs → out/renderer
const RENDERER_DIR = join(__dirname, '..', 'renderer');
const PRELOAD = join(__dirname, 'preload.cjs');
const CSP = contentSecurityPolicy("'none'");
// The built-in ticket recipes ship beside out/ (inside app.asar when packaged).
setBuiltinDir(join(__dirname, '..', '..', 'recipes'));

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let lab: Lab | undefined;
let bridge: LabBridge | undefined;

function serveApp(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === APP_HOST && request.method === 'GET' ? await readStatic(RENDERER_DIR, url.pathname) : null;
    if (!file) return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    const headers: Record<string, string> = { 'content-type': file.type, 'x-content-type-options': 'nosniff' };
    if (file.isHtml) headers['content-security-policy'] = CSP;
    return new Response(new Uint8Array(file.body), { status: 200, headers });
  });
}

/** Every web contents, present and future: no navigation, no popups, no webviews. */
function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

function createWindow(b: LabBridge): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1100,
    minHeight: 680,
    title: 'AM Session Lab',
    show: false,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  const unsubscribe = b.subscribe((message) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_PUSH, message);
  });
  win.on('closed', unsubscribe);
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) return app.quit();
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  serveApp();
  // Each AM node is a utility process of the app; the balancer and load runner get a thread of their own.
  lab = await Lab.start({ launcher: utilityLauncher });
  bridge = new LabBridge(lab);
  registerIpc(ipcMain, bridge);
  let win = createWindow(bridge);
  app.on('second-instance', () => {
    if (win.isDestroyed()) win = createWindow(bridge!);
    win.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow(bridge!);
  });
}

app.on('window-all-closed', () => app.quit());

let stopping = false;
app.on('before-quit', (event) => {
  if (stopping || !lab) return;
  // Stop the nodes and the balancer (closing their sockets) before the process exits.
  event.preventDefault();
  stopping = true;
  bridge?.close();
  void lab.stop().finally(() => app.exit(0));
});

main().catch((e: unknown) => {
  console.error('AM Session Lab could not start:', e);
  app.exit(1);
});
