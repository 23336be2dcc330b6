import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root (where package.json, recipes/ and out/ live), found by walking up from this
 * module. It works the same from the TypeScript sources, the prebuilt CLI bundle in out/cli and
 * the Electron bundle in out/electron (or app.asar), which all sit at different depths.
 */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"am-session-lab"/.test(readFileSync(pkg, 'utf8'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

export const PROJECT_ROOT = process.env.SESSION_LAB_ROOT || findRoot(dirname(fileURLToPath(import.meta.url)));
