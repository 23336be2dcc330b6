import { Agent, request } from 'undici';
import { amAuthenticateStep2 } from './amRequest';
import { compare, type RowResult } from './compare';
import { cpuSnapshot, foreignShare, waitForQuiet } from './cpu';
import { load, type LoadSpec } from './load';
import { livePids } from './procs';
import { BUSY, CONNECTIONS, QUIET_WAIT_MS, ROUNDS, ROW_BUDGET_MS, SECONDS, SIDE_ROUNDS, WARMUP } from './settings';
import { startHaproxy, startLabBalancer, startLabCluster, startLightBackends, startNodeFloor, type RunningHaproxy, type TraceCounters } from './setup';
import { round } from './stats';

export interface ProxyRows {
  rows: RowResult[];
  trace: { lightBackendsBalancer?: TraceCounters; endToEndLab?: TraceCounters; endToEndNodeRequests?: Record<string, number> };
}

/**
 * The throughput rows: the lab's balancer against HAProxy in front of light backends (AM-shaped
 * POSTs with cookies, the headline; bodiless GETs with and without the sticky cookie), then end to
 * end in front of the lab's own AM nodes.
 */
export async function proxyRows(log: (line: string) => void): Promise<ProxyRows> {
  const started: { stop(): Promise<unknown> }[] = [];
  // Each piece is tracked the moment it is up, so a failure in another one still stops it.
  const track = <T extends { stop(): Promise<unknown> }>(p: Promise<T>): Promise<T> => p.then((x) => (started.push(x), x));
  const stops: Record<string, number | null> = {};
  try {
    const light = await track(startLightBackends());
    const [labLb, labLb2, floor, hap, hap1, cluster] = await Promise.all([
      track(startLabBalancer(light.backends)),
      track(startLabBalancer(light.backends, 2)),
      track(startNodeFloor(light.backends)),
      track(startHaproxy('haproxy', { backends: light.backends })),
      track(startHaproxy('haproxy nbthread 1', { backends: light.backends, nbthread: 1 })),
      track(startLabCluster()),
    ]);
    const hapNodes: RunningHaproxy = await track(startHaproxy('haproxy → lab nodes', { backends: cluster.nodes }));
    const ratios: [string, string][] = [
      ['lab', 'haproxy'],
      ['lab', 'haproxy1'],
      // What the lab's features cost on one thread, and what one Node thread costs against HAProxy.
      ['lab', 'floor'],
      ['floor', 'haproxy'],
      // `balance --processes 2`: a second process accepting on the same port.
      ['lab2', 'haproxy'],
    ];
    const direct01 = `http://127.0.0.1:${light.backends.find((b) => b.id === '01')!.port}`;
    const spec = (s: Partial<LoadSpec>): LoadSpec => ({ path: '/am/json/realms/root/sessions', method: 'GET', headers: {}, connections: CONNECTIONS, duration: SECONDS, ...s });
    const stickySpec = spec({ headers: { cookie: 'amlbcookie=01' }, expectBody: JSON.stringify({ node: '01', ok: true }) });
    const routed = (rule: (share: Record<string, number>, total: number) => string[]) => ({
      before: () => light.served(),
      check: async (_t: unknown, s: { requests: number }, before: unknown) => {
        const after = await light.served();
        const delta = Object.fromEntries(Object.entries(after).map(([id, n]) => [id, n - (before as Record<string, number>)[id]!]));
        const total = Object.values(delta).reduce((a, b) => a + b, 0);
        if (total < s.requests) return [`backends saw ${total} requests, the load generator counted ${s.requests} answers`];
        return rule(delta, total);
      },
    });

    const rows: RowResult[] = [];
    log('Proxy throughput runs:');
    // Lab vs HAProxy (default threads) vs HAProxy nbthread 1, in front of the light backends.
    const light3 = (name: string, request: string, load: LoadSpec, rounds: number, budgetMs: number, warmupSeconds: number, check: ReturnType<typeof routed>) =>
      compare(
        name,
        request,
        [
          { key: 'lab', label: 'lab balancer (tracing on)', url: labLb.url },
          { key: 'lab2', label: 'lab balancer, --processes 2', url: labLb2.url },
          { key: 'haproxy', label: 'HAProxy (default threads)', url: hap.url },
          { key: 'haproxy1', label: 'HAProxy nbthread 1', url: hap1.url },
          { key: 'floor', label: 'Node floor (node:http + undici, no trace)', url: floor.url },
        ],
        load,
        { rounds, budgetMs, quietWaitMs: QUIET_WAIT_MS, busyShare: BUSY, warmupSeconds, ratios, log, ...check },
      );
    const onlyBackend01 = routed((d) => (d['02'] || d['03'] ? [`cookie ignored: backends 02/03 got ${d['02']}/${d['03']} requests`] : []));
    const am = await amAuthenticateStep2('01');
    rows.push(
      await light3(
        'AM-shaped, sticky, light backends',
        `POST authenticate step 2 (${am.body.length}-byte callbacks JSON), Cookie: amlbcookie=01 and an SSO token (every answer must come from backend 01)`,
        spec({ ...am, expectBody: stickySpec.expectBody }),
        ROUNDS,
        ROW_BUDGET_MS.sticky,
        WARMUP,
        onlyBackend01,
      ),
    );
    rows.push(
      await light3(
        'bodiless, sticky, light backends',
        'GET with Cookie: amlbcookie=01 and no body, as earlier benches measured (every answer must come from backend 01)',
        stickySpec,
        SIDE_ROUNDS,
        ROW_BUDGET_MS.noCookie,
        1,
        onlyBackend01,
      ),
    );
    // The ceiling of this machine with this load generator: the same requests straight to backend 01.
    await waitForQuiet(BUSY, QUIET_WAIT_MS);
    const c0 = cpuSnapshot(livePids());
    const ref = await load(direct01, stickySpec);
    const refForeign = foreignShare(c0, cpuSnapshot(livePids()));
    rows[1]!.reference = { label: 'no proxy: backend 01 direct (ceiling)', ...ref, round: 0, rps: round(ref.rps), mean: round(ref.mean, 3), foreignCpu: refForeign === null ? null : round(refForeign, 3) };
    rows.push(
      await light3(
        'no cookie, light backends',
        'GET without cookie (round-robin over 3 backends)',
        spec({}),
        SIDE_ROUNDS,
        ROW_BUDGET_MS.noCookie,
        1,
        routed((d, total) => Object.entries(d).filter(([, n]) => n / total < 0.3 || n / total > 0.37).map(([id, n]) => `backend ${id} got ${((100 * n) / total).toFixed(1)} % of requests, not a third`)),
      ),
    );

    // End to end: the lab's real AM nodes answer POST sessions?_action=validate for one logged-in demo session.
    const validate = spec({
      path: `${cluster.contextPath}/json/realms/root/sessions?_action=validate`,
      method: 'POST',
      headers: { cookie: cluster.cookie, 'content-type': 'application/json', 'accept-api-version': 'resource=3.1, protocol=1.0', 'x-requested-with': 'forgerock-sdk' },
      body: '{}',
    });
    const agent = new Agent();
    const probe = await request(cluster.url + validate.path, { method: 'POST', headers: validate.headers, body: validate.body, dispatcher: agent });
    const expected = await probe.body.text();
    await agent.close();
    if (!JSON.parse(expected).valid) throw new Error(`validate probe did not answer valid:true: ${expected}`);
    const e2e = await compare(
      'end to end, lab AM nodes',
      `POST sessions?_action=validate with the demo session's cookies (amlbcookie=${cluster.home})`,
      [
        { key: 'lab', label: 'lab (balancer thread + 3 node processes)', url: cluster.url },
        { key: 'haproxy', label: 'HAProxy (default threads) → same nodes', url: hapNodes.url },
      ],
      { ...validate, expectBody: expected },
      { rounds: SIDE_ROUNDS, budgetMs: ROW_BUDGET_MS.endToEnd, quietWaitMs: QUIET_WAIT_MS, busyShare: BUSY, warmupSeconds: 1, ratios: ratios.slice(0, 1), log },
    );
    rows.push(e2e);

    const lb = await labLb.stop();
    const cl = await cluster.stop();
    stops['lab balancer'] = lb.code;
    stops['lab cluster'] = cl.code;
    // Stickiness end to end: apart from the login steps, nothing should reach a node other than home.
    const stray = Object.entries(cl.requests ?? {}).filter(([id, n]) => id !== cluster.home && n > 5);
    for (const [id, n] of stray) e2e.problems.push(`node ${id} (not the session's home ${cluster.home}) served ${n} requests`);
    if (!cl.requests) e2e.problems.push('the lab cluster did not report its node request counts');
    for (const [name, code] of Object.entries(stops)) if (code !== 0) rows[0]!.problems.push(`${name} exited with code ${code}`);
    return { rows, trace: { lightBackendsBalancer: lb.trace, endToEndLab: cl.trace, endToEndNodeRequests: cl.requests } };
  } finally {
    await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
  }
}

