/**
 * Starts `session-lab web` as a user would (its first stdout line is the URL with the token) and a
 * fresh headless Chromium profile on it. Everything started here is stopped by handle.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const SCREENSHOTS = 'artifacts/screenshots';

export interface Session {
  url: string;
  origin: string;
  token: string;
  page: Page;
  stderr: () => string;
  /** POST /api/<command>: the scriptable twin of every button. */
  api<T = unknown>(command: string, input?: unknown): Promise<T>;
  shot(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startSession(args: string[] = [], viewport = { width: 1440, height: 900 }): Promise<Session> {
  if (!existsSync('out/renderer/index.html')) throw new Error('out/renderer is missing: run `npm run build` before the e2e tests');
  const child: ChildProcess = spawn(process.execPath, ['bin/session-lab.js', 'web', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`session-lab web exited with ${code}: ${err}`)));
  });
  const origin = new URL(url).origin;
  const token = new URL(url).hash.replace(/^#token=/, '');
  const profile = await mkdtemp(join(tmpdir(), 'e2e-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport,
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    url,
    origin,
    token,
    page,
    stderr: () => err,
    api: async (command, input = {}) => {
      const r = await fetch(`${origin}/api/${command}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-session-lab-token': token }, body: JSON.stringify(input) });
      const body = await r.json();
      if (!r.ok) throw new Error(`${command}: ${r.status} ${JSON.stringify(body)}`);
      return body;
    },
    shot: async (name) => {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    stop: async () => {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export interface WindowSession extends Session {
  /** The page's uncaught errors and console errors: a test ends by asserting there were none. */
  pageErrors: string[];
}

/** startSession, with the window opened on the lab and the page's errors collected from the start. */
export async function openWindow(args: string[] = [], viewport?: { width: number; height: number }): Promise<WindowSession> {
  const s = await startSession(args, viewport);
  const pageErrors: string[] = [];
  s.page.on('pageerror', (e) => pageErrors.push(e.message));
  s.page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  await s.page.goto(s.url);
  return { ...s, pageErrors };
}

/** Refreshes a README screenshot only when asked (UPDATE_SCREENSHOTS=1), so a test run leaves the tree clean. */
export async function publish(shot: string, to: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  await mkdir('docs', { recursive: true });
  await copyFile(shot, to);
}
