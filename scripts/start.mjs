#!/usr/bin/env node
// `npm start`: the desktop app when an Electron binary is usable, otherwise the same window in
// any browser through the browser host (`session-lab web`). Builds first either way.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

/**
 * Where the Electron binary is: ELECTRON_EXEC_PATH, else read the way the electron package reads
 * it (path.txt, dist/, ELECTRON_OVERRIDE_DIST_PATH) but without requiring the package: its index.js starts a download
 * from GitHub when the binary is missing, and this script must not reach the network.
 */
function electronBinary() {
  const explicit = process.env.ELECTRON_EXEC_PATH;
  if (explicit) return existsSync(explicit) ? { path: explicit } : { why: `ELECTRON_EXEC_PATH names no file (${explicit})` };
  let dir;
  try {
    dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { why: 'the electron package is not installed' };
  }
  const pathFile = join(dir, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = override ? join(override, name || 'electron') : name ? join(dir, 'dist', name) : '';
  if (binary && existsSync(binary)) return { path: binary };
  return { why: name || override ? `no Electron binary at ${binary}` : 'its binary was never downloaded (install scripts are off for electron)' };
}

const built = spawnSync(process.execPath, [`${root}scripts/build.mjs`], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const electron = electronBinary();
let child;
if (electron.path) {
  child = spawn(electron.path, [root, ...args], { cwd: root, stdio: 'inherit' });
} else {
  process.stderr.write(
    [
      '',
      'Note: Electron cannot run on this machine (' + electron.why + ').',
      'Starting the same window in the browser host instead: open the URL printed below.',
      'On a desktop with Electron installed, `npm start` opens the app window.',
      '',
    ].join('\n') + '\n',
  );
  child = spawn(process.execPath, [`${root}bin/session-lab.js`, 'web', ...args], { cwd: root, stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
