import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabBridge } from '../../main/bridge';
import { startWebHost } from '../../main/web';
import { DEMO, startLab } from './helpers';

/**
 * Slow clients (reliability-security.md §3.5 F12, T22): a client that sends one header line at a
 * time, or its body byte by byte, gets 408 and a closed connection at the configured timeout, as
 * HAProxy's `timeout http-request` does (408 at 3.0 s measured for 3 s), while other clients go on.
 * No elapsed time is asserted: the slow client just stops trying after many times the configured
 * timeout, so a server that only notices at Node's default 30 s sweep never answers it in time.
 */
const TIMEOUT_MS = 1_000;
const GIVE_UP_MS = 8 * TIMEOUT_MS;

/** Trickles a request (headers, or a body after complete headers); resolves with what the server answered when it closed. */
function trickle(port: number, mode: 'headers' | 'body'): Promise<{ answer: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let answer = '';
    let gaveUp = false;
    s.on('data', (d) => (answer += d.toString('latin1')));
    s.on('error', () => undefined);
    const head = 'POST /am/json/realms/root/authenticate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n';
    s.write(mode === 'headers' ? head : `${head}Content-Length: 1000\r\n\r\n{`);
    let n = 0;
    const tick = setInterval(() => s.writable && s.write(mode === 'headers' ? `X-Slow-${n++}: a\r\n` : ' '), 200);
    const stop = setTimeout(() => ((gaveUp = true), s.destroy()), GIVE_UP_MS);
    s.on('close', () => {
      clearInterval(tick);
      clearTimeout(stop);
      resolve({ answer, closedByServer: !gaveUp });
    });
  });
}

/** A keep-alive client that sends complete requests with idle pauses longer than the headers timeout. */
async function keepAliveClient(port: number, path: string, host: string, requests: number, pauseMs: number): Promise<number[]> {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  let data = '';
  s.on('data', (d) => (data += d.toString('latin1')));
  const statuses = () => [...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
  for (let i = 0; i < requests; i++) {
    s.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    for (let w = 0; w < 100 && statuses().length <= i && !s.destroyed; w++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  s.destroy();
  return statuses();
}

function expect408(r: { answer: string; closedByServer: boolean }, who: string): void {
  expect(r.closedByServer, `${who}: the server closed the slow connection before the client gave up`).toBe(true);
  expect(r.answer.split('\r\n')[0], who).toBe('HTTP/1.1 408 Request Timeout');
}

describe('slow clients are cut at the configured timeout, others are not', () => {
  it('balancer and nodes: slow headers and a slow body get 408; a concurrent login and an idle keep-alive client are unaffected', async () => {
    const lab = await startLab({ nodes: 2, policy: 'sticky', headersTimeoutMs: TIMEOUT_MS, requestTimeoutMs: 2 * TIMEOUT_MS });
    const node = lab.nodes[0]!;
    const slow = [trickle(lab.balancer.port, 'headers'), trickle(lab.balancer.port, 'body'), trickle(node.port, 'headers'), trickle(node.port, 'body')];
    // Meanwhile a user logs in, and a keep-alive client idles longer than the headers timeout between requests.
    const login = await lab.createBrowser().login(...DEMO);
    expect(login.outcome.kind).toBe('success');
    const keepAlive = await keepAliveClient(lab.balancer.port, '/am/isAlive.jsp', '127.0.0.1', 3, 1.5 * TIMEOUT_MS);
    expect(keepAlive).toEqual([200, 200, 200]);
    const [lbHeaders, lbBody, nodeHeaders, nodeBody] = await Promise.all(slow);
    expect408(lbHeaders!, 'balancer, slow headers');
    expect408(lbBody!, 'balancer, slow body');
    expect408(nodeHeaders!, 'node, slow headers');
    expect408(nodeBody!, 'node, slow body');
    expect(lab.nodes.every((n) => n.running)).toBe(true);
  }, 30_000);

  it('web host: slow headers get 408 while the window keeps being served', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'renderer-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>AM Session Lab</title>');
    const lab = await startLab({ nodes: 1 });
    const bridge = new LabBridge(lab, { throttleMs: 10 });
    const host = await startWebHost({ bridge, port: 0, rendererDir: dir, headersTimeoutMs: TIMEOUT_MS, requestTimeoutMs: 2 * TIMEOUT_MS });
    try {
      const slow = trickle(host.port, 'headers');
      expect(await keepAliveClient(host.port, '/', `127.0.0.1:${host.port}`, 3, 1.5 * TIMEOUT_MS)).toEqual([200, 200, 200]);
      expect408(await slow, 'web host, slow headers');
    } finally {
      await host.close();
      bridge.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
