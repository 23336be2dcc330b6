import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Lab } from '../../main/lab/lab';
import { entry, tsxLoader } from '../../main/lab/wire/entries';

/**
 * The app's AM node processes (main/electronNodes.ts) against a stand-in for Electron's
 * utilityProcess (the binary cannot run here). The stand-in forks the real node entry with Node and
 * speaks UtilityProcess's API to the adapter: spawn, message, exit with a code only, postMessage.
 */
const forked = vi.hoisted(() => [] as { file: string; args: string[]; options: { serviceName?: string } }[]);

vi.mock('electron', () => ({
  utilityProcess: {
    fork(file: string, args: string[], options: { serviceName?: string }) {
      forked.push({ file, args, options });
      const child = fork(file, args, { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: entry('am-node').tsx ? ['--import', tsxLoader()] : [] });
      const proc = Object.assign(new EventEmitter(), {
        pid: undefined as number | undefined,
        postMessage: (m: unknown) => child.send(m as never, () => undefined),
      });
      child.once('spawn', () => ((proc.pid = child.pid), proc.emit('spawn')));
      child.on('message', (m) => proc.emit('message', m));
      // UtilityProcess's exit carries a code, never the signal.
      child.once('exit', (code) => proc.emit('exit', code ?? 1));
      return proc;
    },
  },
}));

const { utilityLauncher } = await import('../../main/electronNodes');
const labs: Lab[] = [];
afterEach(async () => {
  await Promise.all(labs.splice(0).map((l) => l.stop()));
});

describe('AM node processes in the app (utilityProcess)', () => {
  it('each node is a utility process of its own: it serves logins, a kill is a SIGKILL, a restart a fresh process', async () => {
    const lab = await Lab.start({ isolation: 'process', nodes: 2, policy: 'sticky', launcher: utilityLauncher });
    labs.push(lab);
    expect(forked.map((f) => [f.args, f.options.serviceName])).toEqual([
      [['node 01'], 'AM Session Lab node 01'],
      [['node 02'], 'AM Session Lab node 02'],
    ]);
    expect(forked[0]!.file).toBe(entry('am-node').file);
    const pids = lab.nodes.map((n) => n.pid);
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(process.pid);

    const b = lab.createBrowser();
    expect((await b.login('demo', 'Ch4ng31t')).outcome.kind).toBe('success');
    await lab.killNode('01');
    expect(() => process.kill(pids[0]!, 0)).toThrow(/ESRCH/);
    await lab.restartNode('01');
    expect(lab.node('01').pid).not.toBe(pids[0]);
    expect(forked).toHaveLength(3);
    expect((await b.validate()).body).toMatchObject({ valid: true });
  });
});
