// The lab's balancer alone, in its own process (as HAProxy is), with tracing on: the Lab facade with
// upstreams instead of AM nodes (what `session-lab balance` runs), with a trace subscriber as the
// window always has one.
// Usage: node --import tsx bench/lab-balancer.ts [--processes N] 01=http://127.0.0.1:P1 02=… → prints {"port"}.
// On SIGTERM it prints the trace's counters (proof every exchange was recorded) and exits 0.
import { Lab } from '../main/lab/lab';

const args = process.argv.slice(2);
// `balance --processes N`: N - 1 more balancer processes accept on the same port.
const processes = args[0] === '--processes' ? Number(args.splice(0, 2)[1]) : 1;
const upstreams = args.map((arg) => {
  const [id, origin] = arg.split('=');
  if (!id || !origin) throw new Error(`expected <id>=<origin>, got ${arg}`);
  return { id, origin };
});

// The lab's own defaults for everything but the policy.
const lab = await Lab.start({ policy: 'sticky', lbCookieName: 'amlbcookie', upstreams, balancerProcesses: processes });
let delivered = 0;
lab.subscribe((batch) => (delivered += batch.length));
console.log(JSON.stringify({ port: lab.balancer.port }));

process.once('SIGTERM', () => {
  lab.recorder.flush();
  console.log(JSON.stringify({ trace: { ...lab.recorder.stats(), delivered } }));
  void lab.stop().then(() => process.exit(0));
});
