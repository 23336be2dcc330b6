import type { RecipeSettings } from '../../contract/settings';
import { runRecipe, type RecipeProgress, type RecipeResult, type RunOptions } from './runner';
import type { Recipe } from './schema';
import type { CompareCell, CompareRow } from '../../contract/recipes';

export type { CompareRow };

/** One side of a broken-vs-fixed comparison: a variant of the recipe, or settings of one's own. */
export type CompareSide = string | { label: string; patch: RecipeSettings } | RecipeSettings;

export interface Comparison {
  recipe: string;
  title: string;
  a: { label: string; patch: RecipeSettings; result: RecipeResult };
  b: { label: string; patch: RecipeSettings; result: RecipeResult };
  rows: CompareRow[];
}

/**
 * Runs the same recipe under two settings, each in a lab of its own, and lines the steps up side
 * by side: the customer demo of "without stickiness / with stickiness" in one screen.
 */
export async function compareRecipe(
  recipe: Recipe,
  sideA: CompareSide,
  sideB: CompareSide,
  opts: { onProgress?: (side: 'a' | 'b', e: RecipeProgress) => void; labOptions?: RunOptions['labOptions'] } = {},
): Promise<Comparison> {
  const resolve = (s: CompareSide): { label: string; patch: RecipeSettings; run: RunOptions } => {
    if (typeof s === 'string') {
      if (!(s in recipe.variants)) throw new RangeError(`Recipe ${recipe.name} has no variant "${s}"`);
      return { label: s, patch: recipe.variants[s]!, run: { variant: s } };
    }
    if ('patch' in s && 'label' in s) return { label: s.label, patch: s.patch, run: { overrides: s.patch } };
    const patch = s as RecipeSettings;
    const label = Object.entries(patch).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') || 'recipe settings';
    return { label, patch, run: { overrides: patch } };
  };
  const a = resolve(sideA);
  const b = resolve(sideB);
  // Two labs side by side: separate ports, separate clocks, nothing shared.
  const [ra, rb] = await Promise.all([
    runRecipe(recipe, { ...a.run, labOptions: opts.labOptions, onProgress: (e) => opts.onProgress?.('a', e) }),
    runRecipe(recipe, { ...b.run, labOptions: opts.labOptions, onProgress: (e) => opts.onProgress?.('b', e) }),
  ]);
  const rows = recipe.steps.map((step, i): CompareRow => {
    const ca = cell(ra, i);
    const cb = cell(rb, i);
    return {
      index: step.index,
      line: step.line,
      label: step.label,
      ...(step.note ? { note: step.note } : {}),
      a: ca,
      b: cb,
      differs: ca.httpStatus !== cb.httpStatus || ca.message !== cb.message || ca.node !== cb.node,
    };
  });
  return { recipe: recipe.name, title: recipe.title, a: { label: a.label, patch: a.patch, result: ra }, b: { label: b.label, patch: b.patch, result: rb }, rows };
}

function cell(r: RecipeResult, i: number): CompareCell {
  const s = r.steps[i];
  const o = s?.observation;
  return { status: s?.status ?? 'skipped', summary: s?.summary ?? '', httpStatus: o?.status ?? null, message: o?.message ?? null, node: o?.node ?? null };
}
