import { writeFile } from 'node:fs/promises';
import { builtinRecipes, loadRecipe } from '../lab/scenario/library';
import { RecipeError } from '../lab/scenario/parse';
import { compareRecipe, type Comparison } from '../lab/scenario/compare';
import { toJUnit } from '../lab/scenario/junit';
import { formatTable } from '../lab/scenario/report';
import { runRecipe, type RecipeResult } from '../lab/scenario/runner';
import type { Recipe } from '../lab/scenario/schema';
import { writeHarFile } from './harOutput';

export interface RunFlags {
  har?: string;
  junit?: string;
  json?: boolean;
  variant?: string;
  compare?: string;
  redact?: boolean;
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  color?: boolean;
}

const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), color: !!process.stdout.isTTY && !process.env.NO_COLOR };

/** A usage problem: message on stderr, exit code 2. */
class UsageError extends Error {}

/**
 * `session-lab run FILE.yaml|NAME`: runs a recipe (every variant, or the one named) on fresh labs
 * and prints a pass/fail table. Returns the exit code: 0 every expectation held, 1 one did not,
 * 2 bad file, name or flag.
 */
export async function runCommand(target: string, flags: RunFlags, io: Io = stdio): Promise<number> {
  let recipe: Recipe;
  try {
    recipe = loadRecipe(target);
  } catch (e) {
    if (e instanceof RecipeError) {
      io.err(`session-lab run: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  try {
    if (flags.compare) return await compareCommand(recipe, flags, io);
    const variants = flags.variant ? [flags.variant] : Object.keys(recipe.variants).length ? Object.keys(recipe.variants) : [undefined];
    for (const v of variants) if (v !== undefined && !(v in recipe.variants)) throw new UsageError(variantProblem(recipe, v));
    const results: RecipeResult[] = [];
    for (const variant of variants) {
      const result = await runRecipe(recipe, { variant });
      results.push(result);
      if (!flags.json) io.out(formatTable(result, { color: io.color }) + '\n\n');
    }
    if (flags.json) io.out(JSON.stringify(results.length === 1 ? slim(results[0]!) : results.map(slim), null, 2) + '\n');
    await writeOutputs(results, flags, io);
    return results.every((r) => r.passed) ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`session-lab run: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

async function compareCommand(recipe: Recipe, flags: RunFlags, io: Io): Promise<number> {
  const sides = flags.compare!.split(',').map((s) => s.trim());
  if (sides.length !== 2 || sides.some((s) => !s)) throw new UsageError('--compare takes two variant names, e.g. --compare broken,fixed');
  for (const s of sides) if (!(s in recipe.variants)) throw new UsageError(variantProblem(recipe, s));
  const c = await compareRecipe(recipe, sides[0]!, sides[1]!);
  if (flags.json) io.out(JSON.stringify({ ...c, a: { ...c.a, result: slim(c.a.result) }, b: { ...c.b, result: slim(c.b.result) } }, null, 2) + '\n');
  else io.out(formatComparison(c) + '\n');
  await writeOutputs([c.a.result, c.b.result], flags, io);
  return c.a.result.passed && c.b.result.passed ? 0 : 1;
}

function variantProblem(recipe: Recipe, v: string): string {
  const names = Object.keys(recipe.variants);
  return `recipe ${recipe.name} has no variant "${v}"${names.length ? `; its variants are ${names.join(', ')}` : '; it has no variants'}`;
}

/** HAR per run (a variant gets its own file: the runs used separate labs), JUnit for all. */
async function writeOutputs(results: RecipeResult[], flags: RunFlags, io: Io): Promise<void> {
  if (flags.junit) {
    await writeFile(flags.junit, toJUnit(results));
    io.err(`Wrote JUnit results to ${flags.junit}\n`);
  }
  if (flags.har) {
    for (const r of results) {
      const file = results.length > 1 && r.variant ? flags.har.replace(/(\.har)?$/i, `.${r.variant}$1`) : flags.har;
      const n = await writeHarFile(file, r.items, flags.redact !== false);
      io.err(`Wrote ${n} entries to ${file}${flags.redact !== false ? ' (secrets redacted)' : ' (NOT redacted)'}\n`);
    }
  }
}

/** The --json form: results without the raw trace (the HAR carries it). */
function slim(r: RecipeResult) {
  const { items, ...rest } = r;
  return { ...rest, traceItems: items.length };
}

function formatComparison(c: Comparison): string {
  const w = 44;
  const fit = (s: string) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  const lines = [`${c.recipe} — ${c.title}`, `${'step'.padEnd(26)}  ${fit(c.a.label)}  ${fit(c.b.label)}`];
  for (const row of c.rows) lines.push(`${row.label.slice(0, 26).padEnd(26)}  ${fit(row.a.summary)}  ${fit(row.b.summary)}${row.differs ? '  ◀' : ''}`);
  lines.push(`${c.a.label}: ${c.a.result.passed ? 'PASSED' : 'FAILED'}; ${c.b.label}: ${c.b.result.passed ? 'PASSED' : 'FAILED'}`);
  return lines.join('\n');
}

export function recipesCommand(io: Io = stdio): number {
  let list;
  try {
    list = builtinRecipes();
  } catch (e) {
    io.err(`session-lab recipes: ${(e as Error).message}\n`);
    return 2;
  }
  const w = Math.max(0, ...list.map((r) => r.name.length));
  for (const r of list) io.out(`${r.name.padEnd(w)}  ${r.title}\n`);
  return 0;
}
