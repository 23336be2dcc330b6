#!/usr/bin/env node
// Builds what the hosts serve and run: the renderer (vite → out/renderer) and the Electron main
// and preload (esbuild → out/electron/*.cjs, electron external). Offline and a second or two.
// Run by `npm run build` and by npm's `prepare` on install.
import { build as esbuild } from 'esbuild';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build as vite } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2);
const want = (part) => !only.length || only.includes(part);
const t0 = performance.now();

if (want('renderer')) {
  await vite({ configFile: `${root}vite.config.mts`, root: `${root}renderer`, logLevel: 'warn' });
}

if (want('electron')) {
  await rm(`${root}out/electron`, { recursive: true, force: true });
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
    sourcemap: false,
    minify: true,
    keepNames: true,
    logLevel: 'warning',
    absWorkingDir: root,
  };
  await Promise.all([
    // The engine is bundled into main, so the packaged app needs no loose node_modules at run time.
    esbuild({ ...common, entryPoints: ['main/electron.ts'], outfile: 'out/electron/main.cjs', define: { 'import.meta.url': 'importMetaUrl' }, banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" } }),
    // A sandboxed preload must be one CommonJS file that requires nothing but electron.
    esbuild({ ...common, entryPoints: ['main/preload.ts'], outfile: 'out/electron/preload.cjs' }),
  ]);
}

if (want('cli')) {
  // The CLI prebuilt as one ESM file, so `session-lab serve` starts without compiling TypeScript
  // (bin/session-lab.js falls back to tsx when main/ is newer than this bundle).
  await esbuild({
    entryPoints: ['main/cli.ts'],
    outfile: 'out/cli/session-lab.mjs',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    absWorkingDir: root,
  });
}

console.log(`build: ${only.length ? only.join(', ') : 'renderer, electron, cli'} in ${Math.round(performance.now() - t0)} ms`);
