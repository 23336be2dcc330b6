import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../../paths';

/**
 * Where the lab's other processes and threads start: an AM node process, the balancer's thread,
 * and the further balancer processes of `balance --processes N` (CLI only). From a bundle (the
 * CLI's out/cli, the app's out/electron) they are the bundle's siblings; from the TypeScript sources (tests, a dev run) the CLI's prebuilt bundles when they
 * are newer than every source file, else the TypeScript itself through tsx (slower to start).
 */
export type EntryName = 'am-node' | 'balancer' | 'balancer-process';

export interface Entry {
  /** A file to run (a bundle, or TypeScript when `tsx`). */
  file: string;
  /** The file is TypeScript: run it with the tsx loader registered. */
  tsx: boolean;
}

const SOURCES: Record<EntryName, string> = { 'am-node': 'main/lab/nodes/nodeMain.ts', balancer: 'main/lab/traffic/worker.ts', 'balancer-process': 'main/lab/traffic/balancerProcess.ts' };

const here = fileURLToPath(import.meta.url);
/** The bundle's own directory: this code may sit in one of the CLI's shared chunks (out/cli/chunks, scripts/build.mjs). */
const bundleDir = basename(dirname(here)) === 'chunks' ? dirname(dirname(here)) : dirname(here);
let bundlesFresh: boolean | undefined;

export function entry(name: EntryName): Entry {
  const ext = extname(here);
  if (ext === '.mjs' || ext === '.cjs') return { file: join(bundleDir, `${name}${ext}`), tsx: false };
  const bundle = join(PROJECT_ROOT, 'out', 'cli', `${name}.mjs`);
  bundlesFresh ??= newerThanSources(bundle);
  return bundlesFresh ? { file: bundle, tsx: false } : { file: join(PROJECT_ROOT, SOURCES[name]), tsx: true };
}

const projectRequire = () => createRequire(join(PROJECT_ROOT, 'package.json'));

/** The tsx loader, for a child process's `--import`. */
export const tsxLoader = () => pathToFileURL(projectRequire().resolve('tsx')).href;

/** tsx's ES module API (its package's `./esm/api` import export), whose register() a worker thread calls before importing TypeScript. */
export function tsxApi(): string {
  const pkg = projectRequire().resolve('tsx/package.json');
  const exports = JSON.parse(readFileSync(pkg, 'utf8')).exports as Record<string, { import: { default: string } }>;
  return pathToFileURL(join(dirname(pkg), exports['./esm/api']!.import.default)).href;
}

function newerThanSources(bundle: string): boolean {
  let built: number;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  const main = join(PROJECT_ROOT, 'main');
  for (const f of readdirSync(main, { recursive: true }) as string[]) if (statSync(join(main, f)).mtimeMs > built) return false;
  return true;
}
