import { InvalidArgumentError, Option, type Command } from 'commander';
import { Balancer } from '../lab/balancer/proxy';
import { LabClock } from '../lab/clock';
import { parseConfig, traceLimits } from '../lab/config';
import { TraceRecorder } from '../lab/trace/recorder';
import { writeHarFile } from './harOutput';
import { intIn } from './labFlags';
import { logToStderr, untilSignal } from './serve';

interface BalanceFlags {
  port: number;
  backends: { id: string; origin: string }[];
  sticky?: boolean;
  policy?: 'round-robin' | 'sticky' | 'active-passive';
  cookie: string;
  redispatch: boolean;
  timeout: number;
  traceBudget?: number;
  har?: string;
  redact: boolean;
  quiet?: boolean;
}

/** `01=http://127.0.0.1:8081,02=http://…` → backends; the id is also the amlbcookie value. */
export function parseBackends(v: string): { id: string; origin: string }[] {
  const out = v.split(',').map((part) => {
    const m = /^([A-Za-z0-9_.-]+)=(https?:\/\/[^/\s]+)\/?$/.exec(part.trim());
    if (!m) throw new InvalidArgumentError(`"${part}" is not ID=http://host:port`);
    return { id: m[1]!, origin: m[2]! };
  });
  if (new Set(out.map((b) => b.id)).size !== out.length) throw new InvalidArgumentError('backend ids must be unique');
  return out;
}

/** `session-lab balance`: the lab's balancer alone, in front of existing servers, with the same trace. */
export function register(program: Command): void {
  program
    .command('balance')
    .description('run the balancer alone in front of existing servers (real AM or anything HTTP)')
    .requiredOption('--backends <list>', 'ID=URL pairs, comma-separated; ID is the amlbcookie value (e.g. 01=http://127.0.0.1:8081)', parseBackends)
    .option('--port <port>', 'listen port on 127.0.0.1 (0 = any free port)', intIn(0, 65535), 0)
    .option('--sticky', 'route on the sticky cookie')
    .option('--no-sticky', 'round-robin (the default)')
    .addOption(new Option('--policy <policy>', 'balancer policy').choices(['round-robin', 'sticky', 'active-passive']))
    .option('--cookie <name>', 'sticky cookie name', 'amlbcookie')
    .option('--no-redispatch', 'a sticky request whose node fails gets 503 instead of another node (once the node is marked down its cookie is ignored, as in HAProxy)')
    .option('--timeout <ms>', 'upstream timeout in milliseconds', intIn(100, 600_000), 15_000)
    .option('--trace-budget <MiB>', 'memory the trace may hold (oldest exchanges go first; default 128)', intIn(1, 4096))
    .option('--har <file>', 'write the trace as HAR 1.2 on exit (redacted)')
    .option('--no-redact', 'write secrets into the HAR unredacted')
    .option('--quiet', 'do not log traffic to stderr')
    .action(async (f: BalanceFlags) => {
      const clock = new LabClock();
      const defaults = parseConfig(f.traceBudget ? { traceBudgetBytes: f.traceBudget * 1024 * 1024 } : {});
      const recorder = new TraceRecorder(clock, traceLimits(defaults));
      const policy = f.policy ?? (f.sticky ? 'sticky' : 'round-robin');
      const balancer = new Balancer(
        () => ({ policy, cookieName: f.cookie, redispatch: f.redispatch, maxBodyBytes: 1024 * 1024, upstreamTimeoutMs: f.timeout, headersTimeoutMs: defaults.headersTimeoutMs, requestTimeoutMs: defaults.requestTimeoutMs }),
        recorder,
        clock,
        f.backends.map((b) => ({ id: b.id, lbValue: b.id, origin: b.origin })),
      );
      await balancer.start(f.port);
      process.stdout.write(JSON.stringify({ balancer: balancer.url, policy, cookie: f.cookie, backends: f.backends, pid: process.pid }) + '\n');
      process.stderr.write(`Balancer on ${balancer.url} (${policy}) → ${f.backends.map((b) => `${b.id}=${b.origin}`).join(', ')}. Ctrl-C stops.\n`);
      if (!f.quiet) recorder.subscribe(logToStderr());
      await untilSignal();
      recorder.flush();
      await balancer.stop();
      if (f.har) process.stderr.write(`Wrote ${await writeHarFile(f.har, recorder.items(), f.redact)} entries to ${f.har}\n`);
    });
}
