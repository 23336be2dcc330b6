import { readFile } from 'node:fs/promises';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWindow, publish, type WindowSession } from './harness';

/**
 * The demo a support engineer gives on a call, in Chromium against the browser host: the seed
 * 401 without stickiness, the fix, the idle timeout on the lab clock, a node killed. Screenshots
 * of each step go to artifacts/screenshots; the 401 one illustrates the README.
 */
describe('the window in Chromium (browser host)', () => {
  let s: WindowSession;

  beforeAll(async () => {
    // Start sticky, so the test turns stickiness off in the window as an engineer would.
    s = await openWindow(['--nodes', '3', '--sticky']);
  });
  afterAll(async () => {
    await s?.stop();
  });

  const page = () => s.page;
  const byTest = (id: string) => page().getByTestId(id);
  const tab = (name: RegExp) => page().getByRole('tab', { name });
  const events = () => byTest('events');
  const card = (name: string): Locator => page().locator('article.browser', { has: page().getByRole('heading', { name, exact: true }) });

  async function newBrowser(name: string): Promise<Locator> {
    await tab(/Browsers/).click();
    await page().getByLabel('Name of the new virtual browser').fill(name);
    await byTest('new-browser').click();
    const c = card(name);
    await c.waitFor();
    return c;
  }

  it('opens on the lab: three nodes up, live, the token gone from the address bar, demo credentials labelled', async () => {
    await page().getByText('Live').waitFor();
    for (const id of ['01', '02', '03']) await expect.poll(() => byTest(`node-${id}`).getAttribute('data-state')).toBe('up');
    expect(page().url()).not.toContain('token=');
    await expect.poll(() => page().getByText('demo credentials — lab only').first().isVisible()).toBe(true);
    expect(await byTest('lab-clock').textContent()).toMatch(/\d\d:\d\d:\d\d/);
  });

  it('turns stickiness off, runs a login and shows the 401 row highlighted and the event that explains it', async () => {
    const sticky = byTest('cfg-sticky');
    expect(await sticky.getAttribute('aria-checked')).toBe('true');
    await sticky.click();
    // The switch shows the lab's answer: on a loaded machine the configure round trip can take over a second.
    await expect.poll(() => sticky.getAttribute('aria-checked'), { timeout: 15_000 }).toBe('false');
    await events().getByText(/Stickiness turned off/).waitFor();

    const c = await newBrowser('Customer laptop');
    await c.getByTestId('login').click();
    const outcome = c.getByTestId('login-outcome');
    await outcome.waitFor();
    expect(await outcome.textContent()).toContain('401 Session has timed out');
    // The step-by-step record shows what AM sent at each step.
    expect(await c.getByTestId('login-step').count()).toBe(2);

    const missed = events().locator('[data-type="auth-session-missed"]');
    await missed.first().waitFor();
    expect(await missed.first().textContent()).toMatch(/no auth session for this authId.*401 Session has timed out/);

    await tab(/Traffic/).click();
    const row401 = byTest('traffic').locator('[data-status="401"]');
    await row401.first().waitFor();
    expect(await row401.count()).toBe(1);
    expect(await row401.getAttribute('class')).toContain('is-401');
    const bg = await row401.evaluate((el) => getComputedStyle(el).backgroundColor);
    const okBg = await byTest('traffic').locator('[data-status="200"]').first().evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(bg).not.toBe(okBg);
    await row401.click();
    const detail = byTest('exchange-detail');
    expect(await detail.getByTestId('explanation').textContent()).toMatch(/Session has timed out/);
    // Round-robin read the amlbcookie step 1 set, and ignored it: the reason says so, not the policy again.
    expect(await detail.getByTestId('routing-reason').textContent()).toMatch(/^ignored amlbcookie=0\d \(round-robin\)$/);
    // Copy as cURL: the request with the cookies the browser sent, ready to paste in a terminal.
    await page().context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.origin });
    await detail.getByTestId('copy-curl').click();
    await page().getByText('Copied as cURL').waitFor();
    const curl = await page().evaluate(() => navigator.clipboard.readText());
    expect(curl).toMatch(/^curl 'http:\/\/127\.0\.0\.1:\d+\/am\/json\/realms\/root\/authenticate.*'/);
    expect(curl).toMatch(/-H 'cookie: [^']*amlbcookie=0\d/i);
    expect(curl).toContain('--data-raw');
    const shot = await s.shot('01-stickiness-off-401');
    await publish(shot, 'docs/screenshot.png');
  });

  it('turns stickiness on, logs in, and shows the cookies in the jar', async () => {
    await byTest('cfg-sticky').click();
    await events().getByText(/Stickiness turned on/).waitFor();
    const c = await newBrowser('After the fix');
    await c.getByTestId('login').click();
    await c.getByTestId('login-outcome').waitFor();
    expect(await c.getByTestId('login-outcome').textContent()).toMatch(/Logged in on node 0\d/);

    await tab(/Cookies/).click();
    const jars = byTest('cookie-jars');
    const jar = jars.locator('section', { has: page().getByRole('heading', { name: /After the fix/ }) });
    const sso = jar.getByTestId('cookie-iPlanetDirectoryPro');
    const lb = jar.getByTestId('cookie-amlbcookie');
    await sso.waitFor();
    await lb.waitFor();
    expect(await lb.locator('td').nth(1).textContent()).toMatch(/^0\d$/);
    expect(await sso.locator('td').nth(4).textContent()).toBe('Session');
    // HttpOnly is opt-in in AM 7.0–7.4, the default profile (com.sun.identity.cookie.httponly; AM 7.2 docs, HttpOnly session cookies).
    expect(await sso.locator('td').nth(6).getByLabel('no').count()).toBe(1);
    await s.shot('02-sticky-login-cookies');
  });

  it('advances the clock past the idle time and shows the session expire in the monitor', async () => {
    await tab(/Sessions/).click();
    const active = byTest('sessions').locator('[data-testid="session-row"][data-status="active"]');
    await active.first().waitFor();
    expect(await active.count()).toBe(1);
    expect(await active.getByTestId('idle-left').textContent()).toMatch(/^(30:00|29:5\d)$/);
    await byTest('advance-31').click();
    const ended = byTest('sessions').locator('[data-testid="session-row"][data-reason="idle"]');
    await ended.waitFor();
    expect(await ended.textContent()).toContain('max idle time');
    await events().locator('[data-type="session-terminated"]').first().waitFor();
    await s.shot('03-idle-timeout-expired');
  });

  it('kills a node from its menu and shows it down', async () => {
    await byTest('node-menu-02').click();
    await page().getByRole('menuitem', { name: 'Kill node' }).click();
    await expect.poll(() => byTest('node-02').getAttribute('data-state')).toBe('down');
    await events().locator('[data-type="node-down"]').first().waitFor();
    expect(await byTest('node-02').getByText('down').count()).toBeGreaterThan(0);
    await s.shot('04-node-02-killed');
  });

  it('keeps a request body inert: markup from traffic renders as text', async () => {
    const bal = (await s.api<{ balancer: string }>('info')).balancer;
    const res = await fetch(`${bal}/json/realms/root/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-api-version': 'resource=2.1, protocol=1.0' }, body: '<img src=x onerror="window.__pwned=1">' });
    expect(res.status).toBe(400);
    await tab(/Traffic/).click();
    await page().getByLabel('Filter by path, method or routing reason').fill('');
    const row = byTest('traffic').locator('[data-status="400"]').last();
    await row.waitFor();
    await row.click();
    await byTest('exchange-detail').getByRole('tab', { name: 'Request' }).click();
    expect(await byTest('request-body').textContent()).toContain('<img src=x onerror="window.__pwned=1">');
    expect(await page().evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await byTest('request-body').locator('img').count()).toBe(0);
  });

  it('diagnoses the 401 and saves a redacted HAR from the window', async () => {
    await tab(/Diagnosis/).click();
    const missed = byTest('findings').locator('[data-kind="auth-session-missed"]');
    await missed.first().waitFor();
    expect(await missed.first().textContent()).toMatch(/401 Session has timed out.*Fix:/s);
    await page().locator('[data-testid="sequence"]').waitFor();

    await byTest('har-export-open').click();
    await byTest('har-preview').getByText(/Redacted before saving/).waitFor();
    // Each rule's count comes with what it replaced.
    expect(await byTest('redaction-legend').textContent()).toMatch(/R1\s*\d+cookie values/);
    const [download] = await Promise.all([page().waitForEvent('download'), byTest('har-save').click()]);
    expect(download.suggestedFilename()).toMatch(/^am-session-lab-.*\.har$/);
    expect(download.suggestedFilename()).not.toContain('UNREDACTED');
    const text = await readFile((await download.path())!, 'utf8');
    const har = JSON.parse(text) as { log: { version: string; entries: unknown[]; _redaction: { mode: string } } };
    expect(har.log.version).toBe('1.2');
    expect(har.log._redaction.mode).toBe('redacted');
    expect(har.log.entries.length).toBeGreaterThan(4);
    // The saved file, imported back, browses like Traffic: its entries, the 401 among them, each with its detail.
    await byTest('har-import-file').setInputFiles({ name: 'customer.har', mimeType: 'application/json', buffer: Buffer.from(text) });
    await byTest('har-imported').waitFor();
    await byTest('har-view').getByRole('radio', { name: /^Entries \(\d+\)$/ }).click();
    const entries = byTest('har-entries');
    await expect.poll(() => entries.getAttribute('aria-rowcount')).toBe(String(har.log.entries.length));
    await entries.locator('[data-status="401"]').first().click();
    expect(await page().locator('#panel-diagnosis').getByTestId('exchange-detail').getByTestId('explanation').textContent()).toMatch(/Session has timed out/);
    await s.shot('06b-imported-har-entries');
    await byTest('har-view').getByRole('radio', { name: 'Findings and sequence' }).click();
    await page().getByRole('button', { name: 'Close the imported HAR' }).click();
    const browsers = (await s.api<{ browsers: { id: string }[] }>('snapshot')).browsers;
    for (const b of browsers) for (const c of await s.api<{ name: string; value: string }[]>('cookies', { browser: b.id })) if (c.name === 'iPlanetDirectoryPro') expect(text).not.toContain(c.value);
    // Opting out is explicit: a checkbox, a warning, and a file name that says so.
    await byTest('har-unredacted').check();
    await page().getByRole('alert').filter({ hasText: 'never attach it to a ticket' }).waitFor();
    await byTest('har-preview').getByText(/UNREDACTED\.har/).waitFor();
    await s.shot('06-diagnosis-har-export');
  });

  it('exports what was done in the window as a recipe: read-only YAML with its settings, saved as .yaml', async () => {
    await tab(/Recipes/).click();
    await byTest('recipe-export-open').click();
    const yaml = byTest('recipe-export-yaml');
    await yaml.waitFor();
    const text = (await yaml.textContent()) ?? '';
    expect(text).toContain('policy');
    expect(text).toMatch(/status: 401/);
    const [file] = await Promise.all([page().waitForEvent('download'), byTest('recipe-export-save').click()]);
    expect(file.suggestedFilename()).toMatch(/\.yaml$/);
    expect(await readFile((await file.path())!, 'utf8')).toBe(text);
  });

  it('runs a ticket recipe in the window and shows each step checked', async () => {
    await tab(/Recipes/).click();
    const before = await s.api<{ config: Record<string, unknown>; browsers: unknown[] }>('snapshot');
    await byTest('recipe-seed-401').getByRole('button', { name: 'Run broken' }).click();
    const run = byTest('recipe-run');
    await run.getByText('passed', { exact: true }).first().waitFor({ timeout: 20_000 });
    await expect.poll(() => run.locator('[data-status="passed"]').count()).toBeGreaterThan(1);
    expect(await run.locator('[data-status="failed"], [data-status="error"]').count()).toBe(0);
    // The recipe ran in a lab of its own: the window's lab is as the engineer left it (node 02 still
    // killed, stickiness on, the same settings and browsers), though the recipe wants stickiness off.
    const after = await s.api<{ config: Record<string, unknown>; browsers: unknown[] }>('snapshot');
    expect(after.config).toEqual(before.config);
    expect(after.browsers).toEqual(before.browsers);
    expect(await byTest('node-02').getAttribute('data-state')).toBe('down');
    expect(await byTest('cfg-sticky').getAttribute('aria-checked')).toBe('true');
    await s.shot('07-recipe-seed-401');
    // Broken vs fixed, side by side: the step that differs shows the 401 on one side only.
    await byTest('recipe-seed-401').getByRole('button', { name: /Compare broken \/ fixed/ }).click();
    const table = byTest('recipe-compare');
    await table.waitFor({ timeout: 20_000 });
    const differs = table.locator('tr.differs');
    expect(await differs.count()).toBeGreaterThan(0);
    expect(await differs.first().locator('td').nth(1).textContent()).toContain('401 Session has timed out');
    expect(await differs.first().locator('td').nth(2).textContent()).toMatch(/^200/);
    await s.shot('08-recipe-compare');
  });

  it('stays responsive with thousands of rows streaming in: virtualized, scrolls to the end', async () => {
    const bal = (await s.api<{ balancer: string }>('info')).balancer;
    // A logged-in session whose cookies a script replays, as curl would: valid, sticky traffic.
    await s.api('perform', { action: 'configure', patch: { policy: 'sticky' } });
    const b = await s.api<{ id: string }>('createBrowser', { name: 'load' });
    await s.api('perform', { action: 'login', browser: b.id, username: 'demo', password: 'Ch4ng31t' });
    const cookie = (await s.api<{ name: string; value: string }[]>('cookies', { browser: b.id })).map((c) => `${c.name}=${c.value}`).join('; ');
    await tab(/Traffic/).click();
    const before = (await s.api<{ trace: { exchanges: number } }>('snapshot')).trace.exchanges;
    const N = 3000;
    // Measure the window's frames while the traffic streams in: a frozen main thread shows as a gap.
    const frames = page().evaluate(async () => {
      let last = performance.now();
      let worstGap = 0;
      const end = last + 4000;
      while (performance.now() < end) {
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        worstGap = Math.max(worstGap, now - last);
        last = now;
      }
      return worstGap;
    });
    frames.catch(() => undefined);
    // Real exchanges through the balancer, as curl would send them (bounded: N requests, 50 at a time).
    for (let i = 0; i < N; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const r = await fetch(`${bal}/json/realms/root/sessions?_action=validate`, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-api-version': 'resource=3.1, protocol=1.0', cookie }, body: '{}' });
          expect(await r.json()).toMatchObject({ valid: true });
        }),
      );
    }
    const worstGap = await frames;
    console.log(`e2e: worst frame gap while ${N} exchanges streamed in: ${Math.round(worstGap)} ms`);
    expect(worstGap).toBeLessThan(1000);
    const count = async () => Number(((await page().locator('.toolbar-count').first().textContent()) ?? '').replace(/,/g, '').match(/^\d+/)?.[0] ?? 0);
    await expect.poll(count, { timeout: 15_000 }).toBeGreaterThanOrEqual(before + N);
    const grid = byTest('traffic');
    expect(await grid.locator('[data-testid="traffic-row"]').count()).toBeLessThan(120);
    await grid.focus();
    await page().keyboard.press('End');
    const selected = grid.locator('[aria-selected="true"]');
    await selected.waitFor();
    expect(Number(await selected.getAttribute('aria-rowindex'))).toBeGreaterThanOrEqual(before + N);
    expect(await selected.isVisible()).toBe(true);
    await s.shot('05-traffic-thousands');
  });

  it('has a dark theme', async () => {
    await page().getByRole('button', { name: /Switch to dark theme/ }).click();
    expect(await page().evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await tab(/Browsers/).click();
    await s.shot('09-dark-theme');
    expect(s.pageErrors).toEqual([]);
  });
});
