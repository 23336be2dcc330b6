import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWindow, type WindowSession } from './harness';

/**
 * OAuth2 in the window, in Chromium at 1280×720: a browser card logs in, gets tokens as the SDK
 * does, reads the user, revokes the access token and sees AM refuse it; the Sessions tab lists the
 * CTS's grants and the lab's clients. Screenshots in light and dark go to artifacts/screenshots.
 */
describe('OAuth2 in the window (browser host)', () => {
  let s: WindowSession;

  beforeAll(async () => {
    s = await openWindow(['--nodes', '2', '--sticky'], { width: 1280, height: 720 });
    await s.page.getByText('Live').waitFor();
  });
  afterAll(async () => {
    await s?.stop();
  });

  const page = () => s.page;
  const tab = (name: RegExp) => page().getByRole('tab', { name });
  let card: Locator;
  const result = () => card.getByTestId('oauth2-result');

  it('gets tokens on a card after a login: the code flow through the balancer, the tokens held and decoded', async () => {
    await page().getByLabel('Name of the new virtual browser').fill('SPA');
    await page().getByTestId('new-browser').click();
    card = page().locator('article.browser', { has: page().getByRole('heading', { name: 'SPA', exact: true }) });
    await card.getByTestId('login').click();
    await card.getByTestId('login-outcome').getByText('Logged in').waitFor();
    expect(await card.getByTestId('oauth2-client').inputValue()).toBe('sdkPublicClient');

    await card.getByTestId('oauth2-get-tokens').click();
    await card.getByTestId('held-id_token').waitFor();
    expect(await result().textContent()).toMatch(/Get tokens → 200 · node 0\d → 0\d/);
    expect(await card.getByTestId('held-access_token').textContent()).toMatch(/access_tokenopaque/);
    await card.getByTestId('held-id_token').getByText('Decoded claims').click();
    expect(await card.getByTestId('held-id_token').getByLabel('id_token claims').textContent()).toContain('"aud": "sdkPublicClient"');
  });

  it('reads the user, revokes the access token, and shows AM refusing it', async () => {
    await card.getByTestId('oauth2-userinfo').click();
    await expect.poll(() => result().textContent()).toMatch(/User info → 200/);
    expect(await result().getByLabel('User info response').textContent()).toContain('"sub": "demo"');
    await card.getByTestId('oauth2-revoke').click();
    await expect.poll(() => result().textContent()).toMatch(/Revoke → 200/);
    await card.getByTestId('oauth2-userinfo').click();
    await expect.poll(() => result().textContent()).toMatch(/User info → 401 invalid_token/);
    expect(await card.getByTestId('held-access_token').textContent()).toContain('revoked');
    await card.getByTestId('held-access_token').scrollIntoViewIfNeeded(); // the tokens held, and AM's last answer below them
    await s.shot('10-oauth2-card');
  });

  it("lists the CTS's grants and the lab's clients in the Sessions tab", async () => {
    await tab(/Sessions/).click();
    const grants = page().getByTestId('oauth2-grants');
    await grants.getByTestId('grant-row').first().waitFor();
    const row = grants.locator('[data-testid="grant-row"][data-client="sdkPublicClient"]');
    expect(await row.textContent()).toMatch(/demo.*openid profile email.*code used.*refresh.*ops.*stateful/);
    expect(await row.textContent()).not.toMatch(/access \d/); // revoked: gone from the CTS
    expect(await grants.getByTestId('oauth2-client-row').allTextContents()).toEqual([
      expect.stringMatching(/sdkPublicClient public → https:\/\/localhost:8443\/callback\.html/),
      expect.stringMatching(/myClient confidential → https:\/\/www\.example\.com:443\/callback/),
    ]);
    await s.shot('11-oauth2-grants');
  });

  it('looks right in the dark theme too', async () => {
    await page().getByRole('button', { name: /Switch to dark theme/ }).click();
    expect(await page().evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await s.shot('12-oauth2-grants-dark');
    await tab(/Browsers/).click();
    await card.getByTestId('held-access_token').scrollIntoViewIfNeeded(); // the tokens held, and AM's last answer below them
    await s.shot('13-oauth2-card-dark');
    // The whole card at once, in a taller window.
    await page().setViewportSize({ width: 1280, height: 1500 });
    await s.shot('14-oauth2-card-tall-dark');
    await page().setViewportSize({ width: 1280, height: 720 });
    expect(s.pageErrors).toEqual([]);
  });
});
