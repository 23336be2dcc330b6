import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { LabBridge } from '../../main/bridge';
import { TOKEN_HEADER, type ActionResult, type HarExport, type LabSnapshot, type RecipeExport } from '../../main/contract';
import type { Lab } from '../../main/lab/lab';
import { parseRecipe } from '../../main/lab/scenario/parse';
import { startWebHost, type WebHost } from '../../main/web';
import { events, startLab } from './helpers';

/**
 * The CTS actions through the one vocabulary, as a script drives them: POST /api/perform on the
 * browser host (real HTTP) against a lab whose CTS is two real slapd replicas. What they do is seen
 * in the snapshot (replica states), the events and what AM then answers.
 */
const hosts: { host: WebHost; bridge: LabBridge; dir: string }[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) {
    await h.host.close();
    h.bridge.close();
    await rm(h.dir, { recursive: true, force: true });
  }
});

async function serve(lab: Lab) {
  const dir = await mkdtemp(join(tmpdir(), 'renderer-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>AM Session Lab</title>');
  const bridge = new LabBridge(lab, { throttleMs: 10 });
  const host = await startWebHost({ bridge, port: 0, rendererDir: dir });
  hosts.push({ host, bridge, dir });
  return async <T>(command: string, body: unknown = {}): Promise<{ status: number; json: T }> => {
    const r = await request(`${host.origin}/api/${command}`, { method: 'POST', headers: { [TOKEN_HEADER]: host.token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.statusCode, json: (await r.body.json()) as T };
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('CTS actions over the API (two slapd replicas)', () => {
  it('stops and starts a replica and the whole directory; AM answers as it does without a CTS; the log exports them without the bind password', async () => {
    const lab = await startLab({ nodes: 2, policy: 'sticky', cts: 'ldap', ctsReplicas: 2 });
    const api = await serve(lab);
    const perform = (action: object) => api<ActionResult>('perform', action);
    const replicas = async () => (await api<LabSnapshot>('snapshot')).json.cts.replicaStates.map((r) => r.running);
    // What an action did to the directory shows in the trace's events (no exchange of its own carries them).
    // The reaper's own "reached the CTS again" (cts-up by reaper) depends on whether its real-time
    // timer fired during the outage: not what these actions say, so left out.
    const said = async (type: 'cts-down' | 'cts-up') =>
      (await events(lab, type))
        .filter((e) => e.data.by !== 'reaper')
        .map((e) => `${e.data.by} ${'replica' in e.data ? e.data.replica : ''}`);
    const { id: b } = (await api<{ id: string }>('createBrowser', { name: 'Alice' })).json;
    const password = lab.ctsBackend.status().password!;
    expect(password.length).toBeGreaterThan(10);

    expect((await perform({ action: 'login', browser: b, username: 'demo', password: 'Ch4ng31t' })).json.steps?.at(-1)?.kind).toBe('success');
    const stopped = await perform({ action: 'stop-cts-replica', replica: 2 });
    expect(stopped.status).toBe(200);
    expect(await replicas()).toEqual([true, false]);
    // Stopping it again changes nothing and says nothing.
    expect((await perform({ action: 'stop-cts-replica', replica: 2 })).status).toBe(200);
    expect(await said('cts-down')).toEqual(['operator 2']);
    expect((await perform({ action: 'validate', browser: b })).json.response?.body).toMatchObject({ valid: true });

    await perform({ action: 'stop-cts' });
    expect(await replicas()).toEqual([false, false]);
    expect(await said('cts-down')).toEqual(['operator 2', 'operator 1']);
    // LoginState.activateSession cannot save the new session: 401 "Session Activation Failed".
    const { id: c } = (await api<{ id: string }>('createBrowser', { name: 'Carol' })).json;
    const during = await perform({ action: 'zero-page-login', browser: c, username: 'demo', password: 'Ch4ng31t' });
    expect(during.json.steps?.[0]).toMatchObject({ kind: 'failure', status: 401, body: { message: 'Session Activation Failed' } });
    expect(during.json.events.map((e) => e.type)).toContain('cts-unreachable');
    expect((await perform({ action: 'validate', browser: b })).json.response?.body).toEqual({ valid: false });

    await perform({ action: 'start-cts' });
    expect(await replicas()).toEqual([true, true]);
    expect(await said('cts-up')).toEqual(['operator 1', 'operator 2']);
    expect((await perform({ action: 'validate', browser: b })).json.response?.body).toMatchObject({ valid: true });
    await perform({ action: 'stop-cts-replica', replica: 1 });
    await perform({ action: 'start-cts-replica', replica: 1 });
    expect(await said('cts-up')).toEqual(['operator 1', 'operator 2', 'operator 1']);

    // The replication delay is a live setting: configure, and the snapshot says so.
    expect((await perform({ action: 'configure', patch: { ctsReplicationDelayMs: 2_000 } })).status).toBe(200);
    expect((await api<LabSnapshot>('snapshot')).json.cts.replicationDelayMs).toBe(2_000);

    // Bad input is refused before the lab sees it; a replica the lab does not have is the lab's answer.
    expect(await perform({ action: 'stop-cts-replica', replica: 9 })).toMatchObject({ status: 400, json: { code: 400, message: expect.stringContaining('replica') } });
    expect(await perform({ action: 'stop-cts-replica', replica: 3 })).toMatchObject({ status: 409, json: { code: 409, message: 'There is no CTS replica 3; replicas are 1 to 2' } });

    // What was done exports as a recipe that names the directory and its steps, never the bind password.
    const { yaml } = (await api<RecipeExport>('exportRecipe', { name: 'cts-outage-by-hand' })).json;
    expect(yaml).not.toContain(password);
    const recipe = parseRecipe(yaml);
    expect(recipe.cluster).toMatchObject({ cts: 'ldap', ctsReplicas: 2 });
    expect(recipe.steps.map((s) => s.label)).toEqual(expect.arrayContaining(['stop CTS replica 2', 'stop the whole CTS directory', 'start the whole CTS directory', 'start CTS replica 1']));
    for (const redact of [true, false]) expect(JSON.stringify((await api<HarExport>('exportHar', { redact })).json.har)).not.toContain(password);
  });

  it('a replica whose slapd dies on its own is a cts-down event like a stopped one, and starts again', async () => {
    const lab = await startLab({ nodes: 1, cts: 'ldap', ctsReplicas: 2 });
    const api = await serve(lab);
    const [r1] = lab.ctsBackend.status().replicaStates;
    expect(r1!.pid).toBeGreaterThan(0);
    process.kill(r1!.pid!, 'SIGKILL');
    const down = await until('the cts-down event', async () => (await events(lab, 'cts-down'))[0]);
    expect(down.data).toEqual({ by: 'exited', replica: 1, url: r1!.url, how: 'SIGKILL' });
    expect(down.message).toBe(`CTS replica 1 (${r1!.url}) exited on its own (SIGKILL): the lab did not stop it`);
    expect((await api<LabSnapshot>('snapshot')).json.cts.replicaStates.map((r) => r.running)).toEqual([false, true]);
    expect((await api<ActionResult>('perform', { action: 'start-cts-replica', replica: 1 })).status).toBe(200);
    expect((await events(lab, 'cts-up')).map((e) => e.data)).toEqual([{ by: 'operator', replica: 1, url: r1!.url }]);
    expect(lab.ctsBackend.status().replicaStates.every((r) => r.running)).toBe(true);
  });

  it('a lab with the embedded CTS says it runs no directory', async () => {
    const lab = await startLab({ nodes: 1, cts: 'embedded' });
    const api = await serve(lab);
    expect(await api('perform', { action: 'stop-cts' })).toMatchObject({ status: 409, json: { code: 409, message: 'The lab runs no CTS directory of its own (embedded CTS); start it with --cts ldap' } });
  });
});
