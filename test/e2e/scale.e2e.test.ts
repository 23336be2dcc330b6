import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWindow, type WindowSession } from './harness';

const MINUTE = 60_000;

/**
 * The window at scale and on a call (issue 9), in Chromium at 1280×720: the browser card after each
 * way a session ends, the node menu above the CTS bar, a 2,000-session lab in the Sessions tab, and
 * screenshots of the main views, light and dark, with those sessions in the lab.
 */
describe('the window at scale, in Chromium at 1280×720', () => {
  let s: WindowSession;

  beforeAll(async () => {
    s = await openWindow(['--nodes', '3', '--sticky'], { width: 1280, height: 720 });
    await s.page.getByText('Live').waitFor();
  });
  afterAll(async () => {
    await s?.stop();
  });

  const page = () => s.page;
  const byTest = (id: string) => page().getByTestId(id);
  const tab = (name: RegExp) => page().getByRole('tab', { name });
  const card = (name: string): Locator => page().locator('article.browser', { has: page().getByRole('heading', { name, exact: true }) });
  const state = (c: Locator) => c.getByTestId('browser-state');
  const rows = () => byTest('sessions').locator('[data-testid="session-row"]');
  let laptop: Locator;
  let laptopId = '';

  async function login(c: Locator): Promise<void> {
    await c.getByTestId('login').click();
    await expect.poll(() => state(c).getAttribute('data-state')).toBe('valid');
    expect(await state(c).textContent()).toMatch(/Logged in on node 0\d/);
  }

  it('says on the card that the session was logged out, and which cookies the jar still holds', async () => {
    await tab(/Browsers/).click();
    await page().getByLabel('Name of the new virtual browser').fill('Customer laptop');
    await byTest('new-browser').click();
    laptop = card('Customer laptop');
    await laptop.waitFor();
    laptopId = ((await laptop.getAttribute('data-testid')) ?? '').replace(/^browser-/, '');
    await login(laptop);
    // The jar comes with the next state push, which may follow the trace that made the card green.
    await expect.poll(() => laptop.getByTestId('browser-cookies').textContent()).toMatch(/Holds iPlanetDirectoryPro and amlbcookie=0\d/);
    await laptop.getByTestId('logout').click();
    await expect.poll(() => state(laptop).getAttribute('data-state')).toBe('logged-out');
    // AM's logout expires the session cookies it set (Set-Cookie with a past expiry).
    await expect.poll(() => laptop.getByTestId('browser-cookies').textContent()).toBe('Holds no iPlanetDirectoryPro or amlbcookie');
    expect(await state(laptop).textContent()).not.toMatch(/Logged in/);

    // The Cookies tab's history says what happened to each cookie, and which response did it.
    await tab(/Cookies/).click();
    const history = byTest(`cookie-history-${laptopId}`);
    await history.locator('summary').click();
    const changes = () => history.locator('tbody tr').evaluateAll((rows) => rows.map((r) => `${r.children[1]!.textContent} ${r.getAttribute('data-change')}`));
    await expect.poll(changes).toEqual(expect.arrayContaining(['amlbcookie set', 'iPlanetDirectoryPro set', 'iPlanetDirectoryPro removed']));
    const removed = history.locator('tr[data-change="removed"]', { hasText: 'iPlanetDirectoryPro' });
    expect(await removed.getByRole('button').textContent()).toMatch(/^#\d+ POST \S*sessions → 200$/);
    await tab(/Browsers/).click();
  });

  it('keeps the focus in the card through a step-by-step login: the callbacks, then the outcome', async () => {
    await laptop.getByTestId('login-steps').click();
    // Step 1 answered with callbacks: the first field of the form has the focus, not <body>.
    await expect.poll(() => page().evaluate(() => document.activeElement?.closest('form.callbacks') !== null && document.activeElement?.tagName === 'INPUT')).toBe(true);
    expect(await state(laptop).getAttribute('data-state')).toBe('in-progress');
    await page().keyboard.press('Enter');
    await expect.poll(() => page().evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('login-outcome');
    await expect.poll(() => state(laptop).getAttribute('data-state')).toBe('valid');
    await laptop.getByTestId('logout').click();
    await expect.poll(() => state(laptop).getAttribute('data-state')).toBe('logged-out');
  });

  it('says an admin terminated it, asked first, before the browser sends another request', async () => {
    await login(laptop);
    await tab(/Sessions/).click();
    await byTest('sessions-browser').selectOption(laptopId);
    const active = rows().and(page().locator('[data-status="active"]'));
    await expect.poll(() => active.count()).toBe(1);
    await active.getByRole('button', { name: /^Terminate the session of demo/ }).click();
    const dialog = byTest('confirm-terminate');
    await dialog.waitFor();
    // Cancel first: nothing ends without a yes.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await active.count()).toBe(1);
    await active.getByRole('button', { name: /^Terminate the session of demo/ }).click();
    await dialog.getByTestId('confirm').click();
    await expect.poll(() => rows().and(page().locator('[data-reason="admin"]')).count()).toBe(1);
    // The owner column links to the card, which now says what the lab knows since its last request.
    await rows().first().getByTestId('session-browser').click();
    await expect.poll(() => state(laptop).getAttribute('data-state')).toBe('terminated');
    expect(await state(laptop).textContent()).toMatch(/terminated by an administrator.*its next one will be refused/);
    expect(await laptop.getByTestId('browser-cookies').textContent()).toMatch(/iPlanetDirectoryPro \(its session is gone\)/);
    expect(await page().evaluate(() => document.activeElement?.textContent)).toBe('Customer laptop');
    // Its next request: AM refuses the token (valid: false), and the card says why.
    await laptop.getByTestId('validate').click();
    await expect.poll(() => laptop.getByTestId('call-result').textContent()).toMatch(/validate → 200/);
    await expect.poll(() => state(laptop).textContent()).toMatch(/terminated by an administrator at \d\d:\d\d:\d\d — AM refused it on node 0\d/);
  });

  it("idles the browser past its own session's max idle time, whatever the setting says now", async () => {
    await login(laptop);
    // The setting changes after the session was created: AM keeps the session's own limit (30 min).
    await s.api('perform', { action: 'configure', patch: { maxIdleTime: 90 } });
    const idle = laptop.getByTestId('idle');
    await expect.poll(() => idle.textContent()).toMatch(/^Idle past its limit \((30|29) min\)$/);
    const before = (await s.api<{ clock: { now: number } }>('snapshot')).clock.now;
    await idle.click();
    await expect.poll(() => state(laptop).getAttribute('data-state')).toBe('expired');
    const after = (await s.api<{ clock: { now: number } }>('snapshot')).clock.now;
    expect(after - before).toBeGreaterThan(29 * MINUTE);
    expect(after - before).toBeLessThan(31 * MINUTE);
    // The CTS ended it at its deadline; the browser has not asked since.
    expect(await state(laptop).textContent()).toMatch(/Session expired: max idle time at \d\d:\d\d:\d\d.*its next one will be refused/);
    await laptop.getByTestId('validate').click();
    await expect.poll(() => state(laptop).textContent()).toMatch(/Session expired: max idle time( at [\d:]+)? — AM refused it on node 0\d/);
    await s.api('perform', { action: 'configure', patch: { maxIdleTime: 30 } });
  });

  it('says the session reached its max session time', async () => {
    await s.api('perform', { action: 'configure', patch: { maxSessionTime: 2 } });
    await laptop.getByTestId('logout').click();
    await expect.poll(() => state(laptop).getAttribute('data-state')).not.toBe('valid');
    await login(laptop);
    await s.api('perform', { action: 'wait', ms: 3 * MINUTE });
    await expect.poll(() => state(laptop).getAttribute('data-state')).toBe('expired');
    expect(await state(laptop).textContent()).toMatch(/Session expired: max session time at \d\d:\d\d:\d\d/);
    await laptop.getByTestId('validate').click();
    await expect.poll(() => state(laptop).textContent()).toMatch(/Session expired: max session time( at [\d:]+)? — AM refused it on node 0\d/);
    await s.api('perform', { action: 'configure', patch: { maxSessionTime: 120 } });
  });

  it('drains node 03 from its menu with a real pointer: the CTS bar no longer covers the item', async () => {
    await byTest('node-menu-03').click();
    const drain = page().getByRole('menuitem', { name: 'Drain (keep sticky users only)' });
    // A pointer click: Playwright refuses it if another element (the CTS bar) would receive it.
    await drain.click({ timeout: 5_000 });
    await expect.poll(() => byTest('node-03').getAttribute('data-state')).toBe('drained');
    await byTest('node-menu-03').click();
    await page().getByRole('menuitem', { name: 'Undrain (take new users)' }).click({ timeout: 5_000 });
    await expect.poll(() => byTest('node-03').getAttribute('data-state')).toBe('up');
  });

  it('lists 2,000 sessions from a load run a page at a time: search, filter, sort, rows that hold still, bulk terminate', async () => {
    const load = await s.api<{ load: { attempted: number; failed: number } }>('perform', { action: 'load', logins: 2000, concurrency: 16 });
    expect(load.load).toMatchObject({ attempted: 2000, failed: 0 });
    await tab(/Sessions/).click();
    await byTest('sessions-browser').selectOption('');
    const count = byTest('sessions-count');
    await expect.poll(() => count.textContent()).toMatch(/^2,00\d active · \d+ ended$/);
    // Virtualized: a screenful of rows in the page, not 2,000.
    await expect.poll(() => rows().count()).toBeGreaterThan(5);
    expect(await rows().count()).toBeLessThan(60);
    expect(Number(await byTest('sessions').getAttribute('aria-rowcount'))).toBeGreaterThan(2000);

    // Sorted by idle left: soonest first, then (second click) latest first.
    const secs = (t: string) => t.split(':').reduce((a, b) => a * 60 + Number(b), 0);
    const idleLeft = async () => (await rows().getByTestId('idle-left').allTextContents()).map(secs);
    const sorted = (v: number[], dir: 1 | -1) => v.length > 5 && v.every((x, i) => i === 0 || dir * (x - v[i - 1]!) >= 0);
    await page().getByRole('button', { name: 'Sort by idle left' }).click();
    await expect.poll(() => page().locator('[role="columnheader"][aria-sort="ascending"]').textContent()).toMatch(/Idle left/);
    await expect.poll(async () => sorted(await idleLeft(), 1)).toBe(true);
    await page().getByRole('button', { name: 'Sort by idle left' }).click();
    await expect.poll(() => page().locator('[role="columnheader"][aria-sort="descending"]').textContent()).toMatch(/Idle left/);
    await expect.poll(async () => sorted(await idleLeft(), -1)).toBe(true);
    // Scrolled to the end, the last rows are fetched and drawn.
    await byTest('sessions').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(() => rows().last().getAttribute('aria-rowindex')).toMatch(/^20\d\d$/);
    await expect.poll(() => rows().last().getAttribute('data-status')).not.toBeNull();
    await byTest('sessions').evaluate((el) => (el.scrollTop = 0));

    // Only the active sessions of node 01.
    await byTest('sessions-node').selectOption('01');
    await byTest('sessions-state').getByRole('radio', { name: 'Active' }).click();
    await expect.poll(() => count.textContent()).toMatch(/^[\d,]+ match · /);
    await expect.poll(async () => new Set(await rows().locator('.chip').allTextContents())).toEqual(new Set(['01']));
    expect(new Set(await rows().evaluateAll((r) => r.map((x) => x.getAttribute('data-status'))))).toEqual(new Set(['active']));

    // A user nobody logged in as: nothing matches, and the view says so.
    await byTest('sessions-search').fill('nobody-here');
    await page().getByText('No session matches').waitFor();
    await byTest('sessions-search').fill('');
    await byTest('sessions-node').selectOption('');
    await byTest('sessions-state').getByRole('radio', { name: 'All' }).click();
    await expect.poll(() => count.textContent()).toMatch(/^2,0\d\d active/);
    await page().getByRole('button', { name: 'Sort by created' }).click();
    await expect.poll(() => page().locator('[role="columnheader"][aria-sort="descending"]').textContent()).toMatch(/Created/);

    // Rows hold still under the pointer: new logins are counted, not slid in under it.
    const grid = byTest('sessions');
    await grid.hover();
    await expect.poll(() => grid.getAttribute('data-frozen')).toBe('true');
    const top = await rows().first().getAttribute('data-handle');
    const b = await s.api<{ id: string }>('createBrowser', { name: 'Late arrival' });
    for (let i = 0; i < 3; i++) await s.api('perform', { action: 'login', browser: b.id, username: 'demo', password: 'Ch4ng31t' });
    await page().getByText(/\d+ new — shown when you leave the table/).waitFor();
    expect(await rows().first().getAttribute('data-handle')).toBe(top);
    await page().mouse.move(5, 5);
    await expect.poll(() => rows().first().locator('[data-testid="session-browser"]').textContent()).toBe('Late arrival');

    // Bulk terminate a selection, asked first.
    const chosen = [await rows().nth(0).getAttribute('data-handle'), await rows().nth(1).getAttribute('data-handle')];
    await rows().nth(0).getByRole('checkbox').check();
    await rows().nth(1).getByRole('checkbox').check();
    await byTest('terminate-selected').click();
    await byTest('confirm-terminate').getByTestId('confirm').click();
    for (const h of chosen) await expect.poll(() => byTest('sessions').locator(`[data-handle="${h}"]`).getAttribute('data-reason')).toBe('admin');
    expect(s.pageErrors).toEqual([]);
  }, 240_000);

  it('shows the main views with 2,000 sessions in the lab, light and dark (screenshots)', async () => {
    for (const theme of ['light', 'dark'] as const) {
      if (theme === 'dark') await page().getByRole('button', { name: /Switch to dark theme/ }).click();
      expect(await page().evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
      for (const [name, re] of [
        ['browsers', /Browsers/],
        ['traffic', /Traffic/],
        ['cookies', /Cookies/],
        ['sessions', /Sessions/],
        ['diagnosis', /Diagnosis/],
        ['recipes', /Recipes/],
      ] as const) {
        await tab(re).click();
        await expect.poll(() => tab(re).getAttribute('aria-selected')).toBe('true');
        if (name === 'sessions') await expect.poll(() => rows().count()).toBeGreaterThan(5);
        if (name === 'browsers') await state(laptop).scrollIntoViewIfNeeded();
        await page().waitForTimeout(300);
        await s.shot(`scale-${theme}-${name}`);
      }
    }
    expect(s.pageErrors).toEqual([]);
  }, 120_000);
});
