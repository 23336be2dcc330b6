import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagnose, explain } from '../../main/lab/trace/diagnose';
import { recognize } from '../../main/lab/trace/balancerCookies';
import { exportHar } from '../../main/lab/trace/har';
import { importHar } from '../../main/lab/trace/harImport';
import { DEMO, startLab } from './helpers';
import type { LabOptions } from '../../main/lab/lab';

describe("balancers' own cookies, recognised by name and value", () => {
  it.each([
    ['SERVERID', 's1', 'HAProxy inserted cookie', 'server s1'],
    ['amlbcookie', 's2~02', 'HAProxy cookie prefix', 'server s2'],
    ['BIGipServeram_pool', '353020096.36895.0000', 'F5 BIG-IP cookie persistence', 'pool member 192.168.10.21:8080'],
    ['AWSALB', 'J5zXq/abc+def==', 'AWS ALB duration-based stickiness', undefined],
    ['AWSALBAPP-0', '_remove_', 'AWS ALB application-based stickiness', undefined],
    ['INGRESSCOOKIE', '1712345678.123.456|d41d8cd98f00b204e9800998ecf8427e', 'ingress-nginx cookie affinity', undefined],
    ['route', '1712345678.123.456|d41d8cd98f00b204e9800998ecf8427e', 'ingress-nginx cookie affinity', undefined],
  ])('%s=%s is %s', (name, value, product, names) => {
    expect(recognize(name, value)).toEqual({ name, product, ...(names ? { names } : {}) });
  });

  it('AM\'s own cookies are not balancer cookies', () => {
    expect(recognize('amlbcookie', '01')).toBeUndefined();
    expect(recognize('iPlanetDirectoryPro', 'AQIC5w.*AAJTSQACMDE.*')).toBeUndefined();
  });
});

/** A lab run through a customer's balancer, exported as a redacted HAR, imported and diagnosed as a customer's file would be. */
async function diagnosedHar(file: string, opts: LabOptions, between?: (lab: Awaited<ReturnType<typeof startLab>>) => Promise<void>) {
  const lab = await startLab({ nodes: 2, lbConfig: readFileSync(`test/fixtures/lb/${file}`, 'utf8'), ...opts });
  const b = lab.createBrowser();
  const s = await b.startLogin();
  if (s.kind !== 'callbacks') throw new Error('no callbacks');
  await between?.(lab);
  await b.submit(s.payload, { IDToken1: DEMO[0], IDToken2: DEMO[1] });
  await lab.settle();
  const har = JSON.stringify(exportHar(lab.recorder.items(), { redact: true }));
  return diagnose(importHar(har).items).filter((f) => f.kind === 'balancer-cookie');
}

describe('har diagnose: which node answered each step and why the balancer chose it', () => {
  it('a Secure HAProxy cookie on an http site: step 2 did not carry SERVERID, so HAProxy balanced it anew', async () => {
    const [f] = await diagnosedHar('haproxy/insert-secure-http.cfg', { publicHost: 'am.example.com' });
    expect(f).toMatchObject({ severity: 'error' });
    expect(f!.sentence).toMatch(/^Step 2 of the login did not carry the balancer's cookie SERVERID \(HAProxy inserted cookie\): it was Secure and the site is http:\/\/am\.example\.com:\d+; the balancer chose anew and node 02 answered 401 Session has timed out\.$/);
    expect(f!.evidence[0]).toBe('step 1 → node 01: the balancer set SERVERID (HAProxy inserted cookie, naming server s1)');
    expect(explain(f!)).toContain('Fix: serve the site over HTTPS');
  });

  it('an ALB cookie that expired between the steps (on the lab clock)', async () => {
    const [f] = await diagnosedHar('alb/lb-cookie-60s.json', {}, (lab) => lab.advanceClock(90_000));
    expect(f!.sentence).toMatch(/did not carry the balancer's cookie AWSALB \(AWS ALB duration-based stickiness\): it expired at \d\d:\d\d:\d\d, before this step \(3[01] s\)/);
  });

  it('a working ingress affinity: each step went where the cookie said', async () => {
    const [f] = await diagnosedHar('ingress/persistent.yaml', { publicHost: 'am.example.com' });
    expect(f).toMatchObject({ severity: 'info', sentence: 'The balancer sticks with its own cookie route (ingress-nginx cookie affinity): each step went where the cookie said.' });
    expect(f!.evidence[1]).toMatch(/^step 2 → node 01: carried route \(set by the answer of node 01\)$/);
  });
});
