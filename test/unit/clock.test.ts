import { describe, expect, it } from 'vitest';
import { LabClock } from '../../main/lab/clock';

function fakeReal(start = 1_000_000) {
  let t = start;
  return { now: () => t, tick: (ms: number) => (t += ms) };
}

describe('LabClock', () => {
  it('follows real time at speed 1', () => {
    const real = fakeReal();
    const c = new LabClock({ start: 0 }, real.now);
    real.tick(1500);
    expect(c.now()).toBe(1500);
  });

  it('runs faster at a speed factor, and a speed change keeps time continuous', () => {
    const real = fakeReal();
    const c = new LabClock({ start: 0, speed: 60 }, real.now);
    real.tick(1000);
    expect(c.now()).toBe(60_000);
    c.setSpeed(1);
    expect(c.now()).toBe(60_000);
    real.tick(1000);
    expect(c.now()).toBe(61_000);
  });

  it('advance jumps forward and notifies listeners with the jump', () => {
    const real = fakeReal();
    const c = new LabClock({ start: 0 }, real.now);
    const seen: number[] = [];
    c.onChange((_, by) => seen.push(by));
    c.advance(31 * 60_000);
    expect(c.now()).toBe(31 * 60_000);
    expect(seen).toEqual([31 * 60_000]);
  });

  it('pause freezes time; resume continues from where it stopped', () => {
    const real = fakeReal();
    const c = new LabClock({ start: 0 }, real.now);
    real.tick(100);
    c.pause();
    real.tick(5000);
    expect(c.now()).toBe(100);
    c.advance(50);
    expect(c.now()).toBe(150);
    c.resume();
    real.tick(10);
    expect(c.now()).toBe(160);
  });

  it('rejects nonsense', () => {
    const c = new LabClock();
    expect(() => c.advance(-1)).toThrow(RangeError);
    expect(() => c.setSpeed(0)).toThrow(RangeError);
    expect(() => c.setSpeed(Number.NaN)).toThrow(RangeError);
  });
});
