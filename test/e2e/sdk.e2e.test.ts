import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, type LabOptions } from '../../main/lab/lab';

/**
 * The ForgeRock JavaScript SDK in a real browser, on another origin than AM, as customers run it:
 * a real CORS preflight with credentials, and a real browser cookie jar carrying amlbcookie.
 */
let app: Server;
let origin: string;
let context: BrowserContext;
let profile: string;
const labs: Lab[] = [];

beforeAll(async () => {
  const bundle = await build({ entryPoints: ['test/e2e/sdk/page.ts'], bundle: true, format: 'iife', platform: 'browser', write: false, logLevel: 'warning' });
  const js = bundle.outputFiles[0]!.text;
  app = createServer((req, res) => {
    if (req.url === '/app.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>customer app</title><script src="/app.js"></script>');
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  profile = await mkdtemp(join(tmpdir(), 'sdk-e2e-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await context?.close();
  await Promise.all(labs.map((l) => l.stop()));
  await new Promise((r) => app?.close(r));
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function run(opts: LabOptions, tree: string) {
  const lab = await Lab.start({ nodes: 3, corsOrigins: [origin], ...opts });
  labs.push(lab);
  const page = await context.newPage();
  await page.goto(origin);
  const result = await page.evaluate(([base, t]) => (window as unknown as { sdkLogin(b: string, t: string): Promise<unknown> }).sdkLogin(base!, t!), [lab.balancerUrl + '/', tree]);
  return { lab, page, result: result as { type: string; code?: number; message?: string } };
}

describe('ForgeRock JavaScript SDK in Chromium, cross-origin', () => {
  it('logs in through a sticky balancer with CORS + credentials, then logs out with its cookie', async () => {
    const { lab, page, result } = await run({ policy: 'sticky', auth: 'tree' }, 'Example');
    expect(result).toEqual({ type: 'LoginSuccess' });
    // Chromium's traffic went through the balancer's thread: its trace reaches the lab in batches.
    await lab.settle();
    const ex = lab.recorder.exchanges();
    expect(ex.some((e) => e.request.method === 'OPTIONS' && e.response.status === 200)).toBe(true);
    const posts = ex.filter((e) => e.request.method === 'POST');
    expect(new Set(posts.map((e) => e.routing.node)).size).toBe(1); // the browser's jar carried amlbcookie
    expect(posts.at(-1)!.routing.reason).toMatch(/^sticky amlbcookie=0\d$/);
    const status = await page.evaluate(() => (window as unknown as { sdkLogout(): Promise<number> }).sdkLogout());
    expect(status).toBe(200);
    expect((await lab.sessionRows()).filter((s) => s.status === 'active')).toHaveLength(0);
  });

  it('gets the seed 401 as a LoginFailure behind a round-robin balancer with in-memory journeys', async () => {
    const { lab, result } = await run({ policy: 'round-robin', auth: 'tree', authSessions: 'memory' }, 'Login');
    expect(result).toEqual({ type: 'LoginFailure', code: 401, message: 'Session has timed out' });
    await lab.settle();
    expect(lab.recorder.events().some((e) => e.type === 'auth-session-missed')).toBe(true);
  });

  it('runs the full flow cross-origin without stickiness: journey, getTokens through the hidden authorize iframe, getCurrentUser, FRUser.logout', async () => {
    const lab = await Lab.start({
      nodes: 3,
      policy: 'round-robin',
      auth: 'tree',
      authSessions: 'cts',
      corsOrigins: [origin],
      oauth2Clients: { sdkPublicClient: { type: 'public', redirectUris: [`${origin}/callback`] } },
    });
    labs.push(lab);
    const page = await context.newPage();
    await page.goto(origin);
    const result = await page.evaluate(
      (o) => (window as unknown as { sdkFullFlow(o: unknown): Promise<unknown> }).sdkFullFlow(o),
      { baseUrl: lab.balancerUrl + '/', tree: 'Login', clientId: 'sdkPublicClient', redirectUri: `${origin}/callback` },
    );
    expect(result).toEqual({
      login: 'LoginSuccess',
      tokens: { access: 'string', id: 'string', refresh: 'string' },
      user: { sub: 'demo', subname: 'demo', name: 'demo', family_name: 'demo', given_name: 'demo' },
      storedAfterLogout: null,
    });
    await lab.settle();
    const oauth = lab.recorder.exchanges().filter((e) => e.request.path.includes('/oauth2/') && e.request.method !== 'OPTIONS');
    // The iframe's authorize carried the session cookie from Chromium's jar (prompt=none, no login page).
    expect(oauth[0]!.request.path).toMatch(/\/authorize\?.*prompt=none.*code_challenge_method=S256/);
    expect(oauth.map((e) => `${e.request.path.replace(/\?.*/, '').replace(/.*\/oauth2\/realms\/root\//, '')} ${e.response.status}`)).toEqual([
      'authorize 302',
      'access_token 200',
      'userinfo 200',
      'token/revoke 200',
      'connect/endSession 204',
    ]);
    expect(new Set(oauth.map((e) => e.routing.node)).size).toBeGreaterThan(1);
    expect((await lab.sessionRows()).filter((s) => s.status === 'active')).toHaveLength(0);
  });
});
