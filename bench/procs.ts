import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** Repository root, so children start from the same place whatever the caller's cwd. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A child the bench started: its pid, every stdout line it printed, and how it ended. */
export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  lines: string[];
  /** Called with each stdout line as it arrives (for timings that polling would blur). */
  onLine: Set<(line: string) => void>;
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// Everything started here, so a failure anywhere still stops it (by pid, never by name).
const live = new Set<Child>();

export function startChild(name: string, command: string, args: string[], opts: { cwd?: string } = {}): Child {
  const proc = spawn(command, args, { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const lines: string[] = [];
  const onLine = new Set<(line: string) => void>();
  const stderr: string[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    lines.push(l);
    for (const f of onLine) f(l);
  });
  createInterface({ input: proc.stderr! }).on('line', (l) => stderr.length < 200 && stderr.push(l));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const child: Child = { name, proc, pid: proc.pid, lines, onLine, stderr, exited };
  live.add(child);
  void exited.then(() => live.delete(child));
  return child;
}

/** A TypeScript entry under bench/, run the way `npm run bench` runs run.ts. */
export function startTsChild(name: string, entry: string, args: string[] = []): Child {
  return startChild(name, process.execPath, ['--import', 'tsx', entry, ...args]);
}

/** Resolves with the child's first stdout line that parses as a JSON object, the moment it arrives. */
export function firstJson<T>(child: Child, timeoutMs = 10_000): Promise<T> {
  const seen = child.lines.map(tryJson).find((v) => v !== undefined);
  if (seen) return Promise.resolve(seen as T);
  return new Promise<T>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.onLine.delete(onLine);
    };
    const onLine = (l: string) => {
      const v = tryJson(l);
      if (v) (done(), resolve(v as T));
    };
    const timer = setTimeout(() => (done(), reject(new Error(`${child.name} printed no JSON line in ${timeoutMs} ms: ${child.stderr.slice(-5).join(' | ')}`))), timeoutMs);
    child.onLine.add(onLine);
    void child.exited.then(() => {
      // Let readline hand over the last lines before deciding the child never got ready.
      setImmediate(() => (done(), reject(new Error(`${child.name} exited before it was ready: ${child.stderr.slice(-5).join(' | ')}`))));
    });
  });
}

/** Every JSON object the child printed so far, in order. */
export function jsonLines(child: Child): Record<string, unknown>[] {
  return child.lines.map(tryJson).filter((v): v is Record<string, unknown> => v !== undefined);
}

function tryJson(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(line);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM by pid, then SIGKILL if it is still there after the grace period. */
export async function stopChild(child: Child, graceMs = 3_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return { ...(await child.exited), killed: false };
  signal(child.pid, 'SIGTERM');
  const timer = new Promise<'late'>((r) => setTimeout(() => r('late'), graceMs).unref());
  if ((await Promise.race([child.exited, timer])) !== 'late') return { ...(await child.exited), killed: false };
  signal(child.pid, 'SIGKILL');
  return { ...(await child.exited), killed: true };
}

/** This process and every descendant still running, a lab's node processes included (for CPU accounting). */
export function livePids(): number[] {
  return processTree(process.pid);
}

/** A process and all its descendants, from /proc. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(d)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of parents.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => stopChild(c)));
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

// Last resort when the bench itself dies: nothing it started outlives it.
process.once('exit', () => {
  for (const c of live) signal(c.pid, 'SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void stopAll().finally(() => process.exit(130));
  });
}
