import { InvalidArgumentError, type Command } from 'commander';
import type { SettingKey } from '../contract/settings';
import { addSettingFlags, intIn, settingsFrom } from './labFlags';
import { addOutputFlags, loadLab, runUntilSignal, type OutputFlags } from './serve';

/** The settings that mean something for a balancer alone: they are its flags. */
const BALANCER_SETTINGS: SettingKey[] = ['policy', 'lbCookieName', 'redispatch', 'upstreamTimeoutMs', 'maxBodyBytes', 'headersTimeoutMs', 'requestTimeoutMs', 'traceCapacity', 'traceBudgetBytes', 'traceBodyBytes'];

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

/**
 * `session-lab balance`: the lab's balancer alone, in front of existing servers, with the same
 * routing, trace and HAR as `serve` — the same Lab facade, with upstreams instead of AM nodes.
 */
export function register(program: Command): void {
  const cmd = program
    .command('balance')
    .description('run the balancer alone in front of existing servers (real AM or anything HTTP)')
    .requiredOption('--backends <list>', 'ID=URL pairs, comma-separated; ID is the amlbcookie value (e.g. 01=http://127.0.0.1:8081)', parseBackends)
    .option('--port <port>', 'listen port on 127.0.0.1 (0 = any free port)', intIn(0, 65535), 0)
    .option('--processes <n>', 'balancer processes accepting on the port (more use more cores; each keeps its own round-robin turn)', intIn(1, 8), 1)
    .option('--sticky', 'shorthand for --policy sticky (route on the sticky cookie)')
    .option('--no-sticky', 'shorthand for --policy round-robin (the default)');
  addOutputFlags(addSettingFlags(cmd, BALANCER_SETTINGS)).action(async (f: OutputFlags & { backends: { id: string; origin: string }[]; port: number; processes: number; sticky?: boolean } & Record<string, unknown>) => {
    const settings = settingsFrom(f, BALANCER_SETTINGS);
    const Lab = await loadLab();
    const lab = await Lab.start({ ...settings, policy: settings.policy ?? (f.sticky ? 'sticky' : undefined), upstreams: f.backends, port: f.port, balancerProcesses: f.processes });
    const { policy, lbCookieName } = lab.config;
    process.stdout.write(JSON.stringify({ balancer: lab.balancer.url, policy, cookie: lbCookieName, backends: f.backends, pid: process.pid, ...(f.processes > 1 ? { balancerPids: lab.balancerPids } : {}) }) + '\n');
    process.stderr.write(`Balancer on ${lab.balancer.url} (${policy}) → ${f.backends.map((b) => `${b.id}=${b.origin}`).join(', ')}. Ctrl-C stops.\n`);
    await runUntilSignal(lab, f);
  });
}
