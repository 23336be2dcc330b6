import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../../paths';
import { parseRecipe, RecipeError } from './parse';
import type { Recipe } from './schema';

export interface BuiltinRecipe {
  name: string;
  /** One line, for lists. */
  title: string;
  /** What the recipe reproduces, in words a customer can read. */
  description: string;
  file: string;
}

let recipesDir: string | undefined = process.env.SESSION_LAB_RECIPES || undefined;

/** Where the built-in library lives: `recipes/` at the project root (overridable for packaged builds). */
export function builtinDir(): string {
  if (recipesDir) return recipesDir;
  const candidates = [join(PROJECT_ROOT, 'recipes'), resolve(process.cwd(), 'recipes')];
  recipesDir = candidates.find((d) => existsSync(d)) ?? candidates[0]!;
  return recipesDir;
}

export function setBuiltinDir(dir: string): void {
  recipesDir = dir;
}

/** The built-in recipes, by name. Each one is also a test that must pass in CI. */
export function builtinRecipes(): BuiltinRecipe[] {
  const dir = builtinDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const r = parseRecipe(readFileSync(file, 'utf8'), file);
      return { name: r.name, title: r.title, description: r.description, file };
    });
}

/** A recipe file's path, or the name of a built-in. Unknown names list the built-ins. */
export function loadRecipe(nameOrPath: string): Recipe {
  const looksLikePath = /[\\/]/.test(nameOrPath) || /\.ya?ml$/i.test(nameOrPath);
  if (looksLikePath || (existsSync(nameOrPath) && statSync(nameOrPath).isFile())) {
    let text: string;
    try {
      text = readFileSync(nameOrPath, 'utf8');
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new RecipeError(nameOrPath, [{ line: 1, col: 1, message: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a recipe file' : (e as Error).message }]);
    }
    return parseRecipe(text, nameOrPath);
  }
  const file = join(builtinDir(), `${nameOrPath}.yaml`);
  if (existsSync(file)) return parseRecipe(readFileSync(file, 'utf8'), file);
  const names = builtinRecipes().map((r) => r.name);
  throw new RecipeError(nameOrPath, [{ line: 1, col: 1, message: `no built-in recipe named "${nameOrPath}" and no such file; built-ins: ${names.join(', ')}` }]);
}
