import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_MAX_BYTES } from '../lab/trace/harImport';

/** The HAR tools (diagnosis, redaction, the sequence diagram) load only when a `har` command runs. */
const tools = () => import('./har');

/** `session-lab har diagnose|redact|sequence`: the commands and their flags (the work is in har.ts). */
export function register(program: Command): void {
  const har = program.command('har').description('HAR files: diagnose a customer trace, redact it before sharing, draw its sequence diagram');
  har
    .command('diagnose')
    .description('print what went wrong in a HAR (401s, failed steps, ended sessions, node loss) with the chain of evidence')
    .argument('<file>', 'HAR file (Chrome, Firefox, Safari or the lab)')
    .option('--json', 'print {warnings, findings} as JSON')
    .option('--max-mb <n>', 'largest file accepted, in MB', (v) => positive(v, '--max-mb'), DEFAULT_MAX_BYTES / 1024 / 1024)
    .action(async (file: string, o: { json?: boolean; maxMb: number }) => void (process.exitCode = await (await tools()).runDiagnose(file, o)));
  har
    .command('redact')
    .description('write a redacted copy of a HAR: tokens, authIds, passwords, cookies → stable pseudonyms; amlbcookie kept')
    .argument('<in>', 'HAR to redact (left untouched)')
    .argument('<out>', 'where to write the redacted copy (mode 0600)')
    .option('--keep-users', 'keep user names (default: replace them with REDACTED-USER-n)')
    .option('--force', 'overwrite OUT if it exists')
    .option('--max-mb <n>', 'largest file accepted, in MB', (v) => positive(v, '--max-mb'), DEFAULT_MAX_BYTES / 1024 / 1024)
    .action(async (input: string, output: string, o: { keepUsers?: boolean; force?: boolean; maxMb: number }) => void (process.exitCode = await (await tools()).runRedact(input, output, o)));
  har
    .command('sequence')
    .description('draw the sequence diagram (browser ↔ balancer ↔ nodes ↔ CTS) as SVG')
    .argument('<in>', 'HAR file')
    .argument('<out>', 'SVG file to write (mode 0600)')
    .option('--flow <id>', 'only this flow (see --list-flows), e.g. login:har-3 or browser:b1')
    .option('--list-flows', 'print the flows of the file and exit')
    .option('--force', 'overwrite OUT if it exists')
    .action(async (input: string, output: string, o: { flow?: string; listFlows?: boolean; force?: boolean }) => void (process.exitCode = await (await tools()).runSequence(input, output, o)));
  for (const c of har.commands) c.exitOverride();
}

function positive(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive number.`);
  return n;
}
