/** Ticket recipes: parse, run (step by step, with progress), compare, load, export. */
export { parseRecipe, RecipeError, type RecipeProblem } from './parse';
export { builtinRecipes, loadRecipe, builtinDir, setBuiltinDir, type BuiltinRecipe } from './library';
export { runRecipe, type RecipeResult, type StepResult, type RecipeProgress, type RunOptions } from './runner';
export { RunController, RunAborted, type ControllerState } from './controller';
export { compareRecipe, type Comparison, type CompareRow, type CompareSide } from './compare';
export { runLoad, DEFAULT_THINK_MS, type LoadOptions, type LoadProgress, type LoadResult, type RatePoint } from './load';
export { recipeFromActions, type RecordedAction, type ObservedOutcome, type RecipeMeta } from './export';
export { toJUnit } from './junit';
export { formatTable } from './report';
export type { ExpectationResult } from './expect';
export type { Observation } from './observe';
export type { Recipe, RecipeStep, StepAction, Expectation, LoadSpec } from './schema';
