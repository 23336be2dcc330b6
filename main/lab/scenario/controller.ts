/** Thrown out of a run that its controller aborted. */
export class RunAborted extends Error {
  constructor() {
    super('The run was stopped');
    this.name = 'RunAborted';
  }
}

export type ControllerState = 'playing' | 'paused' | 'aborted';

/**
 * Play / pause / step / stop for a recipe run, as the window's buttons drive it. The runner waits
 * at `gate()` before each step; a step in progress always finishes (a load step stops on abort).
 */
export class RunController {
  private mode: 'play' | 'pause';
  private credits = 0;
  private aborted = false;
  private wakers: (() => void)[] = [];
  private readonly abortController = new AbortController();
  private readonly listeners = new Set<(s: ControllerState) => void>();

  constructor(opts: { paused?: boolean } = {}) {
    this.mode = opts.paused ? 'pause' : 'play';
  }

  get state(): ControllerState {
    return this.aborted ? 'aborted' : this.mode === 'play' ? 'playing' : 'paused';
  }

  /** Aborted when stop() is called: a load step listens to it. */
  get signal(): AbortSignal {
    return this.abortController.signal;
  }

  play(): void {
    this.mode = 'play';
    this.changed();
  }

  pause(): void {
    this.mode = 'pause';
    this.changed();
  }

  /** Runs exactly one more step, then stays paused. */
  step(): void {
    this.mode = 'pause';
    this.credits++;
    this.changed();
  }

  stop(): void {
    this.aborted = true;
    this.abortController.abort();
    this.changed();
  }

  onChange(listener: (s: ControllerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when the next step may start; throws RunAborted once stopped. */
  async gate(): Promise<void> {
    for (;;) {
      if (this.aborted) throw new RunAborted();
      if (this.mode === 'play') return;
      if (this.credits > 0) {
        this.credits--;
        return;
      }
      await new Promise<void>((resolve) => this.wakers.push(resolve));
    }
  }

  private changed(): void {
    const wake = this.wakers.splice(0);
    wake.forEach((w) => w());
    for (const l of this.listeners) l(this.state);
  }
}
