// The lab's balancer alone, in its own process (as HAProxy is), with tracing on: a real
// TraceRecorder with a subscriber, as the Lab facade always has one, and a LabClock.
// Usage: node --import tsx bench/lab-balancer.ts 01=http://127.0.0.1:P1 02=… → prints {"port"}.
// On SIGTERM it prints the trace's counters (proof every exchange was recorded) and exits 0.
import { LabClock } from '../main/lab/clock';
import { parseConfig, traceLimits } from '../main/lab/config';
import { Balancer, type BackendTarget } from '../main/lab/balancer/proxy';
import { TraceRecorder } from '../main/lab/trace/recorder';

const targets: BackendTarget[] = process.argv.slice(2).map((arg) => {
  const [id, origin] = arg.split('=');
  if (!id || !origin) throw new Error(`expected <id>=<origin>, got ${arg}`);
  return { id, lbValue: id, origin };
});

// The lab's own defaults for everything but the policy.
const cfg = parseConfig({ policy: 'sticky', lbCookieName: 'amlbcookie' });
const clock = new LabClock();
const recorder = new TraceRecorder(clock, traceLimits(cfg));
let delivered = 0;
recorder.subscribe((batch) => (delivered += batch.length));
const balancer = new Balancer(
  () => ({ policy: cfg.policy, cookieName: cfg.lbCookieName, redispatch: cfg.redispatch, maxBodyBytes: cfg.maxBodyBytes, upstreamTimeoutMs: cfg.upstreamTimeoutMs, headersTimeoutMs: cfg.headersTimeoutMs, requestTimeoutMs: cfg.requestTimeoutMs }),
  recorder,
  clock,
  targets,
);
await balancer.start(0);
console.log(JSON.stringify({ port: balancer.port }));

process.once('SIGTERM', () => {
  recorder.flush();
  console.log(JSON.stringify({ trace: { ...recorder.stats(), delivered } }));
  void balancer.stop().then(() => process.exit(0));
});
