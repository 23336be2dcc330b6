import { Command, CommanderError } from 'commander';
import { register as registerBalance } from './cli/balance';
import { register as registerHar } from './cli/harCommand';
import { register as registerLb } from './cli/lbCommand';
import { register as registerRun } from './cli/recipeCommands';
import { register as registerServe } from './cli/serve';
import { register as registerWeb } from './cli/web';
import { LabError } from './lab/labError';

/**
 * session-lab: the command line of AM Session Lab. Each command's flags are defined here up front
 * (for --help and usage errors); what a command runs loads when it runs, so `serve` does not load
 * the window's host, the HAR tools or the recipe engine. Exit codes: 0 ok, 1 a run whose expectations
 * failed, 2 a usage error (bad flag or value, unreadable file).
 */
const program = new Command()
  .name('session-lab')
  .description('AM Session Lab: an AM cluster, CTS and sticky-capable balancer on 127.0.0.1, for reproducing session tickets')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();
for (const r of [registerServe, registerBalance, registerWeb, registerRun, registerHar, registerLb]) r(program);
program.commands.forEach((c) => c.exitOverride());

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exit(e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2);
  }
  if (e instanceof LabError || (e as { code?: string }).code === 'EADDRINUSE' || (e as { code?: string }).code === 'ENOENT') {
    process.stderr.write(`session-lab: ${(e as Error).message}\n`);
    process.exit(2);
  }
  throw e;
}
