// The whole lab as `serve` runs it (3 AM nodes, CTS, balancer, trace) in its own process, with
// one demo user logged in through the balancer, for the end-to-end row.
// Prints {"balancer","nodes":[{id,url}],"cookie","home"}; on SIGTERM prints trace counters and
// each node's request count (to check the load stuck to the home node), then exits 0.
import { Lab } from '../main/lab/lab';
import { DEMO_USER } from '../main/lab/config';

const lab = await Lab.start({ nodes: 3, policy: 'sticky' });
let delivered = 0;
lab.subscribe((batch) => (delivered += batch.length));
const browser = lab.createBrowser('bench');
const { outcome } = await browser.login(DEMO_USER.username, DEMO_USER.password);
if (outcome.kind !== 'success') throw new Error(`bench login failed: ${JSON.stringify(outcome)}`);
const cookies = await browser.cookies();
const home = cookies.find((c) => c.name === lab.config.lbCookieName)?.value;
const info = lab.info();
console.log(
  JSON.stringify({
    balancer: info.balancer,
    nodes: info.nodes,
    home,
    cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
  }),
);

process.once('SIGTERM', async () => {
  lab.recorder.flush();
  const requests = Object.fromEntries(await Promise.all(lab.nodes.map(async (n) => [n.id, (await n.stats()).requests])));
  console.log(JSON.stringify({ trace: { ...lab.recorder.stats(), delivered }, requests }));
  void lab.stop().then(() => process.exit(0));
});
