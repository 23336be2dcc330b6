import { describe, expect, it } from 'vitest';
import { RunAborted, RunController } from '../../main/lab/scenario/controller';

const tick = () => new Promise((r) => setImmediate(r));

describe('RunController', () => {
  it('playing lets every step through', async () => {
    const c = new RunController();
    await c.gate();
    await c.gate();
    expect(c.state).toBe('playing');
  });

  it('paused holds the next step; step() lets exactly one through; play() releases', async () => {
    const c = new RunController({ paused: true });
    let passed = 0;
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await c.gate();
        passed++;
      }
    })();
    await tick();
    expect(passed).toBe(0);
    c.step();
    await tick();
    expect(passed).toBe(1);
    expect(c.state).toBe('paused');
    await tick();
    expect(passed).toBe(1);
    c.play();
    await loop;
    expect(passed).toBe(3);
  });

  it('stop() aborts a waiting run and its signal', async () => {
    const c = new RunController({ paused: true });
    const states: string[] = [];
    c.onChange((s) => states.push(s));
    const waiting = c.gate();
    c.stop();
    await expect(waiting).rejects.toBeInstanceOf(RunAborted);
    expect(c.signal.aborted).toBe(true);
    expect(states).toEqual(['aborted']);
    await expect(c.gate()).rejects.toBeInstanceOf(RunAborted);
  });
});
