#!/usr/bin/env node
// Runs the prebuilt CLI bundle (out/cli, made by `npm run build` and on install) when it is newer
// than every source file; otherwise runs the TypeScript directly through tsx's loader. Either
// way `npx session-lab` needs no manual build step, and an edited source is never run stale.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = `${root}out/cli/session-lab.mjs`;

function fresh() {
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  for (const f of readdirSync(`${root}main`, { recursive: true })) {
    if (statSync(`${root}main/${f}`).mtimeMs > built) return false;
  }
  return true;
}

if (fresh()) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../main/cli.ts');
}
