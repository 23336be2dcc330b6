import type { Command } from 'commander';
import type { RunFlags } from './run';

/** The recipe engine (YAML, the runner, JUnit) loads only when `run` or `recipes` runs (run.ts). */
const recipes = () => import('./run');

/** `session-lab run` and `session-lab recipes`: the commands and their flags. */
export function register(program: Command): void {
  program
    .command('run')
    .description('run a ticket recipe (a YAML file or a built-in name) headless and print a pass/fail table; exit 0 only when every expectation held')
    .argument('<recipe>', 'FILE.yaml or the name of a built-in recipe (see `session-lab recipes`)')
    .option('--har <file>', 'write the run\'s trace as HAR 1.2 (redacted); one file per variant')
    .option('--no-redact', 'write secrets into the HAR unredacted (never send such a file to anyone)')
    .option('--junit <file>', 'write JUnit XML (one test case per step)')
    .option('--json', 'print the results as JSON instead of the table')
    .option('--variant <name>', 'run only this variant of the recipe (default: every variant)')
    .option('--compare <a,b>', 'run two variants side by side (broken vs fixed)')
    .action(async (target: string, flags: RunFlags) => {
      process.exitCode = await (await recipes()).runCommand(target, flags);
    });
  program
    .command('recipes')
    .description('list the built-in recipes: one name per line with a one-line description')
    .action(async () => {
      process.exitCode = (await recipes()).recipesCommand();
    });
}
