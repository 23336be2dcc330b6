import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWindow, type WindowSession } from './harness';

/**
 * The Balancer and CTS tabs in Chromium at 1280×720, on a lab whose CTS is two real slapd replicas:
 * a customer's haproxy.cfg whose `server … cookie` values are not AM's server ids (AM sets
 * amlbcookie=01: https://backstage.forgerock.com/docs/am/7/reference/global-services-configuration.html),
 * read and applied; a replica stopped and started again from the window.
 */
describe('the Balancer and CTS tabs in Chromium', () => {
  let s: WindowSession;

  beforeAll(async () => {
    s = await openWindow(['--nodes', '2', '--cts', 'ldap', '--cts-replicas', '2'], { width: 1280, height: 720 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const page = () => s.page;
  const byTest = (id: string) => page().getByTestId(id);
  const tab = (name: RegExp) => page().getByRole('tab', { name });

  it('says which balancer runs, and each browser’s client address', async () => {
    await s.api('createBrowser', { name: 'Customer laptop' });
    await tab(/Balancer/).click();
    expect(await byTest('lb-runs').textContent()).toMatch(/built-in balancer · routes by the lab’s stickiness settings/);
    const ip = byTest('lb-clients').getByRole('row', { name: /Customer laptop/ }).getByTestId(/^client-ip-/);
    expect(await ip.inputValue()).toMatch(/^127\.\d+\.\d+\.\d+$/);
  });

  it('checks a pasted haproxy.cfg as it is typed: the mismatched server cookies are a finding, servers map to nodes in order', async () => {
    await byTest('lb-text').fill(await readFile('test/fixtures/lb/haproxy/server-cookie-mismatch.cfg', 'utf8'));
    const finding = byTest('lb-finding-server-cookie-mismatch');
    await finding.waitFor();
    expect(await finding.textContent()).toMatch(/line 13/);
    expect(await finding.getByRole('row', { name: /^Fix/ }).textContent()).toMatch(/01/);
    expect(await byTest('lb-report').getByRole('status').textContent()).toMatch(/breaks? logins/);
    const rows = byTest('lb-servers').locator('tbody tr');
    expect(await rows.allTextContents()).toEqual([expect.stringMatching(/am1 10\.0\.1\.11:8080\s*1\s*01/), expect.stringMatching(/am2 10\.0\.1\.12:8080\s*2\s*02/)]);
    // Checked only: the lab still routes by its own settings.
    expect(await byTest('lb-runs').textContent()).toMatch(/routes by the lab’s stickiness settings/);
    await s.shot('lb-01-finding');
  });

  it('applies the file: the balancer routes as HAProxy does, and going back restores the lab’s settings', async () => {
    await byTest('lb-apply').click();
    await expect.poll(() => byTest('lb-runs').textContent()).toMatch(/routes as HAProxy/);
    expect(await byTest('lb-apply').textContent()).toBe('In force');
    const snap = await s.api<{ config: { lbConfig: string | null } }>('snapshot');
    expect(snap.config.lbConfig).toContain('cookie amlbcookie');
    await byTest('lb-clear').click();
    await expect.poll(() => byTest('lb-runs').textContent()).toMatch(/routes by the lab’s stickiness settings/);
  });

  it('a file it cannot read names its line, and nothing is applied', async () => {
    await byTest('lb-text').fill(await readFile('test/fixtures/lb/nginx/broken-brace.conf', 'utf8'));
    const error = byTest('lb-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/pasted configuration:2: the `http` block opened here is never closed/);
    expect(await byTest('lb-apply').isDisabled()).toBe(true);
  });

  it('a model makes the file: nginx without proxy_set_header Host is the upstream-host finding', async () => {
    await page().getByRole('radio', { name: 'Pick a model' }).click();
    await page().getByLabel('Product').selectOption('nginx');
    await byTest('lb-model').getByLabel(/proxy_set_header Host/).uncheck();
    await byTest('lb-finding-upstream-host').waitFor();
    expect(await byTest('lb-text').inputValue()).toContain('map $cookie_amlbcookie');
  });

  it('changes a browser’s client IP (what source-IP persistence sees)', async () => {
    const field = byTest('lb-clients').getByTestId(/^client-ip-/).first();
    // Not a loopback address: refused in the field, nothing sent.
    await field.fill('10.0.0.1');
    await field.press('Enter');
    expect(await byTest('lb-clients').getByRole('alert').textContent()).toMatch(/loopback address such as 127\.0\.0\.7/);
    await field.fill('127.0.0.9');
    await field.press('Enter');
    await expect.poll(async () => (await s.api<{ browsers: { clientIp: string }[] }>('snapshot')).browsers[0]!.clientIp).toBe('127.0.0.9');
    expect(await byTest('lb-clients').getByRole('alert').count()).toBe(0);
  });

  it('shows the directory: two running replicas with their slapd pids and the ldapsearch to read them', async () => {
    await tab(/CTS/).click();
    expect(await byTest('cts-store').textContent()).toMatch(/OpenLDAP slapd, 2 replicas/);
    for (const r of [1, 2]) {
      const row = byTest(`cts-replica-${r}`);
      expect(await row.textContent()).toMatch(/running\s*\d+/);
    }
    expect(await byTest('cts-ldapsearch').textContent()).toMatch(/ldapsearch -x -H ldap:\/\/127\.0\.0\.1:\d+ .*coreTokenType=SESSION/s);
    expect(await byTest('topo-cts').textContent()).toMatch(/OpenLDAP slapd · 2 replicas · \d+ session/);
  });

  it('stops replica 2: its row says stopped, an event says so, and starting it again brings it back', async () => {
    await byTest('cts-stop-2').click();
    const row = byTest('cts-replica-2');
    await expect.poll(() => row.textContent()).toMatch(/stopped/);
    expect(await byTest('cts-replica-1').textContent()).toMatch(/running/);
    await byTest('events').getByText(/CTS replica 2 .* stopped/).waitFor();
    await expect.poll(() => byTest('topo-cts').textContent()).toMatch(/2 replicas \(1 stopped\)/);
    await s.shot('cts-01-replica-stopped');
    await byTest('cts-start-2').click();
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/running\s*\d+/);
    await expect.poll(() => byTest('topo-cts').textContent()).not.toMatch(/stopped/);
  });

  it('changes the replication delay live', async () => {
    const delay = byTest('cfg-ctsReplicationDelayMs');
    await delay.fill('1500');
    await delay.press('Enter');
    await expect.poll(async () => (await s.api<{ cts: { replicationDelayMs: number } }>('snapshot')).cts.replicationDelayMs).toBe(1500);
    await byTest('events').getByText(/ctsReplicationDelayMs|replication delay/i).first().waitFor();
  });

  it('dark theme: both tabs', async () => {
    await page().getByRole('button', { name: /Switch to dark theme/ }).click();
    // The theme fades in: shoot once its transitions are over.
    const settled = () => page().evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished)));
    await settled();
    await s.shot('cts-02-dark');
    await tab(/Balancer/).click();
    await page().locator('.lb-result').evaluate((e) => e.scrollTo(0, 0));
    await settled();
    await s.shot('lb-02-dark');
    expect(s.pageErrors).toEqual([]);
  });
});
