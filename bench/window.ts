// The window's row of `npm run bench` (issue 9): its main thread under load, end to end.
// `session-lab web` with the built window, Debian's Chromium (playwright-core), and a
// PerformanceObserver('longtask') in the page from before the app starts. Two phases, as a support
// engineer meets them:
//  1. streaming: a 2,000-login load run (sticky, 16 at a time) while the Traffic tab follows it, with
//     a tab switch every second;
//  2. 2,000 sessions open: the Sessions tab shown, left idle, scrolled, sorted, searched, then left.
// Long tasks (main-thread tasks over 50 ms) are counted per phase with their longest and total; tab
// switches are timed from the click to the next frame. Figures, not assertions: the machine is shared.
// Alone (`npm run bench:window`) it writes bench/window-results.json (BENCH_OUT). BENCH_LOGINS
// changes the run; BENCH_WINDOW_ROOT runs another checkout's CLI and build (before/after side by side).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { ROOT, startChild, stopAll, stopChild } from './procs';
import { median, round } from './stats';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 2000);
const APP = process.env.BENCH_WINDOW_ROOT ?? ROOT;
const IDLE_MS = Number(process.env.BENCH_WINDOW_IDLE_MS ?? 10_000);

interface LongTask {
  start: number;
  duration: number;
}

export interface WindowPhase {
  name: string;
  seconds: number;
  longTasks: number;
  longestMs: number;
  totalMs: number;
  over100ms: number;
  tabSwitchMs: number[];
}

declare global {
  interface Window {
    __longTasks: LongTask[];
  }
}

export interface WindowRow {
  app: string;
  chromium: string;
  viewport: string;
  method: string;
  phases: WindowPhase[];
}

/** Runs both phases and returns their figures; prints a line per phase. Stops what it started. */
export async function windowRow(log: (line?: string) => void): Promise<WindowRow> {
  const web = startChild('session-lab web', process.execPath, ['bin/session-lab.js', 'web', '--port', '0', '--sticky'], { cwd: APP });
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`session-lab web printed no URL: ${web.stderr.slice(-3).join(' | ')}`)), 20_000);
    web.onLine.add((l) => l.startsWith('http') && (clearTimeout(t), resolve(l.trim())));
  });
  const origin = new URL(url).origin;
  const token = new URL(url).hash.replace(/^#token=/, '');
  const api = async <T>(command: string, input: unknown = {}): Promise<T> => {
    const r = await fetch(`${origin}/api/${command}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-session-lab-token': token }, body: JSON.stringify(input) });
    if (!r.ok) throw new Error(`${command}: ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };

  const profile = await mkdtemp(join(tmpdir(), 'bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(url);
    await page.getByText('Live').waitFor();
    await page.waitForTimeout(1000);
    const phases: WindowPhase[] = [];

    // 1. Streaming: the load run's traffic arrives while Traffic follows it; tabs switch every second.
    await tab(page, 'Traffic');
    let mark = await since(page);
    let t0 = Date.now();
    const run = api<{ load?: { attempted: number; loginsPerSecond: number } }>('perform', { action: 'load', logins: LOGINS, concurrency: 16 });
    let finished = false;
    run.then(
      () => (finished = true),
      () => (finished = true),
    );
    const switches: number[] = [];
    const order = ['Browsers', 'Cookies', 'Traffic'];
    for (let i = 0; !finished; i++) {
      await page.waitForTimeout(1000);
      if (!finished) switches.push(await tab(page, order[i % order.length]!));
    }
    const load = (await run).load;
    await page.waitForTimeout(1500); // the last batches reach the window
    phases.push(await phase(page, `${LOGINS} logins streaming (${Math.round(load?.loginsPerSecond ?? 0)} logins/s)`, mark, t0, switches));

    // 2. The sessions tab with the run's sessions in the lab.
    const sessions = (await api<{ sessions: { status: string }[] }>('snapshot')).sessions.filter((s) => s.status === 'active').length;
    mark = await since(page);
    t0 = Date.now();
    const open = await tab(page, 'Sessions');
    await page.waitForTimeout(IDLE_MS); // idle: countdowns tick, state pushes arrive
    // Over the table (the dock's middle), as a person scrolls it.
    await page.mouse.move(860, 720);
    for (let i = 0; i < 10; i++) {
      await page.mouse.wheel(0, 600);
      await page.waitForTimeout(100);
    }
    const sort = page.getByRole('button', { name: /^Sort by last access/ });
    if (await sort.count()) await sort.click({ timeout: 30_000 });
    const search = page.getByLabel(/Search sessions by user/);
    if (await search.count()) await search.fill('demo', { timeout: 30_000 });
    await page.waitForTimeout(1000);
    const leave = await tab(page, 'Browsers');
    await page.waitForTimeout(500);
    phases.push(await phase(page, `${sessions} sessions open (idle ${IDLE_MS / 1000} s, scroll, sort, search, leave)`, mark, t0, [open, leave]));

    const row: WindowRow = {
      app: APP === ROOT ? 'this checkout' : APP,
      chromium: context.browser()?.version() ?? '',
      viewport: '1440×900',
      method: 'PerformanceObserver longtask entries (main-thread tasks over 50 ms) collected in the page from before the app starts; tab switch = click to the next animation frame plus one task, measured in the page',
      phases,
    };
    windowLines(row).forEach((l) => log(l));
    return row;
  } finally {
    await context.close().catch(() => undefined);
    await rm(profile, { recursive: true, force: true });
    await stopChild(web);
  }
}

export function windowLines(row: WindowRow): string[] {
  return row.phases.map((p) => `  ${p.name}: ${p.longTasks} long tasks in ${p.seconds} s, longest ${p.longestMs} ms, ${p.over100ms} over 100 ms, ${p.totalMs} ms in all; tab switches ${p.tabSwitchMs.join(', ')} ms (median ${median(p.tabSwitchMs)})`);
}

/** Clicks a dock tab and times it to the next frame (and the task after it), in the page. */
async function tab(page: Page, name: string): Promise<number> {
  return page.evaluate(async (label) => {
    const el = [...document.querySelectorAll<HTMLElement>('[role="tab"]')].find((t) => t.textContent?.trim().startsWith(label));
    if (!el) throw new Error(`no tab ${label}`);
    const t = performance.now();
    el.click();
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return Math.round(performance.now() - t);
  }, name);
}

/** How many long tasks the page has recorded (a phase counts the ones after it). */
function since(page: Page): Promise<number> {
  return page.evaluate(() => window.__longTasks.length);
}

async function phase(page: Page, name: string, from: number, t0: number, tabSwitchMs: number[]): Promise<WindowPhase> {
  const tasks = (await page.evaluate(() => window.__longTasks)).slice(from);
  const durations = tasks.map((t) => t.duration);
  return {
    name,
    seconds: round((Date.now() - t0) / 1000, 1),
    longTasks: tasks.length,
    longestMs: Math.round(Math.max(0, ...durations)),
    totalMs: Math.round(durations.reduce((a, b) => a + b, 0)),
    over100ms: durations.filter((d) => d > 100).length,
    tabSwitchMs,
  };
}

/** Alone: the row and the machine's load, in bench/window-results.json. */
async function alone(): Promise<void> {
  const out = process.env.BENCH_OUT ?? join(ROOT, 'bench', 'window-results.json');
  const log = (line = '') => process.stdout.write(line + '\n');
  try {
    log(`Window long tasks (${LOGINS} logins)…`);
    const row = await windowRow(log);
    await writeFile(out, JSON.stringify({ generatedAt: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version, loadAverageAfter: loadavg().map((v) => round(v, 2)) }, window: row }, null, 2) + '\n');
    log(`Results in ${out}`);
  } catch (e) {
    process.stderr.write(`bench:window failed: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await alone();
