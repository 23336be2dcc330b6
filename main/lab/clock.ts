/**
 * The lab clock. Every expiry in the lab (sessions, auth sessions, cookies, denylist) reads it,
 * so a 30-minute idle timeout can be demoed by jumping the clock instead of waiting.
 * Lab time = real time elapsed × speed + advances, anchored at a start instant.
 */
export interface ClockState {
  now: number;
  speed: number;
  paused: boolean;
}

export type ClockListener = (state: ClockState, advancedBy: number) => void;

/**
 * The clock as plain data: another process (an AM node, the balancer's thread) that follows these
 * computes the same lab time from its own Date.now(), with no call per reading.
 */
export interface ClockAnchors {
  real: number;
  lab: number;
  speed: number;
  paused: boolean;
}

export class LabClock {
  private anchorReal: number;
  private anchorLab: number;
  private speed: number;
  private paused = false;
  private readonly listeners = new Set<ClockListener>();

  constructor(
    opts: { start?: number; speed?: number } = {},
    private readonly realNow: () => number = Date.now,
  ) {
    this.anchorReal = realNow();
    this.anchorLab = opts.start ?? this.anchorReal;
    this.speed = opts.speed ?? 1;
    if (!(this.speed > 0)) throw new RangeError('clock speed must be a positive number');
  }

  /** Lab time in epoch milliseconds. */
  now(): number {
    if (this.paused) return this.anchorLab;
    return this.anchorLab + (this.realNow() - this.anchorReal) * this.speed;
  }

  date(): Date {
    return new Date(this.now());
  }

  state(): ClockState {
    return { now: this.now(), speed: this.speed, paused: this.paused };
  }

  /** Jump forward; listeners (the CTS reaper among them) run at once. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance needs a non-negative number of milliseconds');
    this.rebase();
    this.anchorLab += ms;
    this.notify(ms);
  }

  setSpeed(speed: number): void {
    if (!Number.isFinite(speed) || speed <= 0) throw new RangeError('clock speed must be a positive number');
    this.rebase();
    this.speed = speed;
    this.notify(0);
  }

  pause(): void {
    if (this.paused) return;
    this.rebase();
    this.paused = true;
    this.notify(0);
  }

  resume(): void {
    if (!this.paused) return;
    this.anchorReal = this.realNow();
    this.paused = false;
    this.notify(0);
  }

  anchors(): ClockAnchors {
    return { real: this.anchorReal, lab: this.anchorLab, speed: this.speed, paused: this.paused };
  }

  /** A clock that follows another one: it reads the same lab time, and `follow` applies its changes. */
  static following(a: ClockAnchors): LabClock {
    const c = new LabClock({ speed: a.speed });
    c.follow(a, 0);
    return c;
  }

  /** Takes over the anchors of the clock this one follows; listeners hear the change as there. */
  follow(a: ClockAnchors, advancedBy: number): void {
    this.anchorReal = a.real;
    this.anchorLab = a.lab;
    this.speed = a.speed;
    this.paused = a.paused;
    this.notify(advancedBy);
  }

  onChange(listener: ClockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private rebase(): void {
    this.anchorLab = this.now();
    this.anchorReal = this.realNow();
  }

  private notify(advancedBy: number): void {
    const state = this.state();
    for (const l of this.listeners) l(state, advancedBy);
  }
}

export const MINUTE = 60_000;
