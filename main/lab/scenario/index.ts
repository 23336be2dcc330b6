/** Ticket recipes: parse, run (step by step, with progress), compare, load, export. */
export { parseRecipe, RecipeError, type RecipeProblem } from './parse';
export { builtinRecipes, loadRecipe, builtinDir, setBuiltinDir, type BuiltinRecipe } from './library';
export { runRecipe, type RecipeResult, type RecipeStepResult, type RecipeProgress, type RunOptions } from './runner';
export { compareRecipe, type Comparison, type CompareRow, type CompareSide } from './compare';
export { runLoad, DEFAULT_THINK_MS, type LoadOptions, type LoadProgress, type LoadResult, type RatePoint } from './load';
export { recipeFromActions, type LoggedStep, type ObservedOutcome, type RecipeMeta } from './export';
export { ActionLog, actionLogOf } from './actionLog';
export { toJUnit } from './junit';
export { formatTable } from './report';
export type { ExpectationResult } from './expect';
export type { Observation } from './observe';
export type { Recipe, RecipeStep, Expectation } from './schema';
export type { StepAction } from './grammar';
