/** A recipe run as the window shows it, folded from the engine's progress messages. */
import type { LoadProgress, RecipeProgressView, RecipeRunView, RecipeStepView } from '../../main/contract';

export interface RecipeRunState {
  recipe: string;
  variant: string | null;
  steps: RecipeStepView[];
  load: { index: number; progress: LoadProgress } | null;
  result: RecipeRunView | null;
}

export function applyRecipeProgress(state: RecipeRunState | null, p: RecipeProgressView): RecipeRunState | null {
  switch (p.type) {
    case 'run-started':
      return { recipe: p.recipe, variant: p.variant, steps: p.steps.map((s) => ({ ...s, status: 'pending', expectations: [], seq: null })), load: null, result: null };
    case 'step-started':
      return state && { ...state, steps: state.steps.map((s) => (s.index === p.index ? { ...s, status: 'running' } : s)) };
    case 'step-finished':
      return state && { ...state, steps: state.steps.map((s) => (s.index === p.index ? p.step : s)), load: state.load?.index === p.index ? null : state.load };
    case 'load-progress':
      return state && { ...state, load: { index: p.index, progress: p.progress } };
    case 'run-finished':
      return { recipe: p.result.name, variant: p.result.variant, steps: p.result.steps, load: null, result: p.result };
  }
}
