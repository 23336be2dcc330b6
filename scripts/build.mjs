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
  const engine = { define: { 'import.meta.url': 'importMetaUrl' }, banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" } };
  await Promise.all([
    // The engine is bundled into main, so the packaged app needs no loose node_modules at run time;
    // an AM node process (a utilityProcess) and the balancer's thread start from their own bundles beside it.
    esbuild({ ...common, ...engine, entryPoints: { main: 'main/electron.ts', 'am-node': 'main/lab/nodes/nodeMain.ts', balancer: 'main/lab/traffic/worker.ts' }, outdir: 'out/electron', outExtension: { '.js': '.cjs' } }),
    // A sandboxed preload must be one CommonJS file that requires nothing but electron.
    esbuild({ ...common, entryPoints: ['main/preload.ts'], outfile: 'out/electron/preload.cjs' }),
  ]);
}

if (want('cli')) {
  // The CLI prebuilt, so `session-lab serve` starts without compiling TypeScript (bin/session-lab.js
  // falls back to tsx when main/ is newer than this bundle). The npm packages are bundled in too:
  // resolving hundreds of files under node_modules was most of a start.
  await rm(`${root}out/cli`, { recursive: true, force: true });
  await esbuild({
    // The AM node processes, the balancer's thread and `balance --processes` start from their own files beside the CLI.
    entryPoints: { 'session-lab': 'main/cli.ts', 'am-node': 'main/lab/nodes/nodeMain.ts', balancer: 'main/lab/traffic/worker.ts', 'balancer-process': 'main/lab/traffic/balancerProcess.ts' },
    outdir: 'out/cli',
    outExtension: { '.js': '.mjs' },
    // What only some runs need (the LDAP client, TLS certificates, HAR validation) loads when first used.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // ws's optional native helpers are absent, and it does without them.
    external: ['bufferutil', 'utf-8-validate'],
    // CommonJS packages inside an ES module still call require().
    banner: { js: "import { createRequire as __labRequire } from 'node:module'; const require = __labRequire(import.meta.url);" },
    logLevel: 'warning',
    absWorkingDir: root,
  });
}

console.log(`build: ${only.length ? only.join(', ') : 'renderer, electron, cli'} in ${Math.round(performance.now() - t0)} ms`);
