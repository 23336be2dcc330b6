import type { Command } from 'commander';
import { SETTINGS } from '../contract/settings';
import { isolationEnvironment, serverId } from '../lab/config';
import type { Lab, LabOptions } from '../lab/lab';
import { WorkerBalancer } from '../lab/traffic/workerBalancer';
import { nodeLabel, prestartedNodes } from '../lab/wire/launcher';
import { LogRedactor } from '../lab/trace/redactLog';
import type { TraceItem } from '../lab/trace/types';
import { addLabFlags, labOptionsFrom, type LabFlags } from './labFlags';
import { addLbConfigFlag, describeBalancer, lbConfigOptions } from './serveBalancer';

/** The lab loads when a command that runs one starts: `--help` and the HAR tools do without it. */
export const loadLab = async () => (await import('../lab/lab')).Lab;

/**
 * Starts the lab of `serve` and `web`. With node processes (the default), they and the balancer's
 * thread are started before the lab's code loads, so their start-up and the CLI's overlap; a count
 * the flags do not give (nodes from --lb-config) is the default's, and the lab forks or ends the difference.
 */
export async function startLab(options: LabOptions): Promise<Lab> {
  const isolation = options.isolation ?? isolationEnvironment().isolation ?? SETTINGS.isolation.schema.parse(undefined);
  const count = options.nodes ?? SETTINGS.nodes.schema.parse(undefined);
  const early = isolation === 'process' && !options.launcher ? prestartedNodes(Array.from({ length: count }, (_, i) => nodeLabel(serverId(i)))) : undefined;
  const releaseThread = isolation === 'process' ? WorkerBalancer.prestart() : undefined;
  try {
    const Lab = await loadLab();
    return await Lab.start({ ...options, ...(early ? { launcher: early.launcher } : {}) });
  } finally {
    early?.release();
    releaseThread?.();
  }
}

/**
 * One human-readable line per trace item, for stderr: method, path, node, routing and status for an
 * exchange, with the query's secrets redacted as in HAR export (a log ends up in scrollback and CI).
 */
export function describeItem(item: TraceItem, log: LogRedactor): string {
  const t = new Date(item.kind === 'event' ? item.labTime : item.labStart).toISOString().slice(11, 19);
  if (item.kind === 'event') return `${t} event  ${item.type.padEnd(20)} ${log.text(item.message)}`;
  const who = item.browser ? `[${item.browser}] ` : '';
  return `${t} ${who}${item.request.method} ${log.path(item.request.path)} → ${item.routing.node ?? '-'} (${item.routing.reason}) ${item.response.status}`;
}

/** Writes each trace item to stderr as one redacted line. */
export function logToStderr(): (batch: TraceItem[]) => void {
  const log = new LogRedactor();
  return (batch) => {
    for (const i of batch) process.stderr.write(describeItem(i, log) + '\n');
  };
}

/** `session-lab serve`: a headless lab until SIGINT/SIGTERM. First stdout line is JSON for scripts. */
export function register(program: Command): void {
  const serve = addLabFlags(program.command('serve').description('run an AM cluster, CTS and balancer headless until interrupted'));
  addOutputFlags(addLbConfigFlag(serve)).action(async (flags: LabFlags & OutputFlags & { lbConfig?: string }) => {
    const lab = await startLab({ ...labOptionsFrom(flags), ...(await lbConfigOptions(flags.lbConfig, flags.nodes === undefined)) });
    const info = lab.info();
    process.stdout.write(JSON.stringify({ ...info, pid: process.pid }) + '\n');
    const policy = lab.balancerModel || lab.config.balancer !== 'built-in' ? `balancer ${lab.config.balancer}${lab.balancerModel ? ` (${lab.balancerModel.product} configuration)` : ''}` : `policy ${lab.config.policy}`;
    process.stderr.write(`AM Session Lab: balancer ${info.balancer}, ${info.nodes.length} nodes, ${policy}, auth ${lab.config.auth}, CTS ${info.cts.url ?? info.cts.kind}. Ctrl-C stops.\n`);
    for (const line of describeBalancer(lab, flags.lbConfig)) process.stderr.write(line + '\n');
    await runUntilSignal(lab, flags);
  });
}

export interface OutputFlags {
  har?: string;
  redact: boolean;
  quiet?: boolean;
}

/** What `serve` and `balance` both write: the trace on stderr as it happens, the HAR on exit. */
export function addOutputFlags(cmd: Command): Command {
  return cmd
    .option('--har <file>', 'write the trace as HAR 1.2 on exit (redacted)')
    .option('--no-redact', 'write secrets into the HAR unredacted (never send such a file to anyone)')
    .option('--quiet', 'do not log traffic and events to stderr');
}

/** Logs the lab's trace to stderr (redacted) until SIGINT/SIGTERM, then stops it and writes the HAR if asked. */
export async function runUntilSignal(lab: Lab, flags: OutputFlags): Promise<void> {
  if (!flags.quiet) lab.subscribe(logToStderr());
  await untilSignal();
  lab.recorder.flush();
  process.stderr.write('Stopping…\n');
  await lab.stop();
  if (flags.har) {
    const { writeHarFile } = await import('./harOutput');
    const n = await writeHarFile(flags.har, lab.recorder.items(), flags.redact, lab.secrets());
    process.stderr.write(`Wrote ${n} entries to ${flags.har}${flags.redact ? ' (secrets redacted)' : ' (NOT redacted)'}\n`);
  }
}

export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
