import type { ClockAnchors } from '../clock';
import type { LabConfig } from '../config';

/** What a node's memory and counters hold now (the window's topology, the snapshot). */
export interface NodeStats {
  authSessionsInMemory: number;
  requests: number;
}

/**
 * An AM node as the lab manages it, wherever it runs: in the lab's own thread (AmNode, isolation
 * in-process) or as an OS process of its own (ProcessNode). The lab starts, kills and restarts it,
 * keeps its clock and settings in step, and reads its counters; requests reach it only through
 * the balancer, over HTTP.
 */
export interface LabNode {
  readonly id: string;
  readonly port: number;
  readonly url: string;
  readonly running: boolean;
  /** The OS process serving this node; null when it runs inside the lab's own process. */
  readonly pid: number | null;
  /** Starts it (again, on the same port after a kill). */
  start(): Promise<void>;
  /** Kills it: a process gets SIGKILL; either way its memory (in-progress logins) is gone. */
  kill(): Promise<void>;
  /** Stops it with the lab. */
  stop(): Promise<void>;
  stats(): Promise<NodeStats>;
  /** A live settings change, in force once this resolves. */
  configure(cfg: LabConfig): Promise<void>;
  /** The lab clock changed (advanced, paused, sped up), in force once this resolves. */
  clockChanged(anchors: ClockAnchors, advancedBy: number): Promise<void>;
  /** Resolves once every event the node emitted so far has reached the lab's trace. */
  settle(): Promise<void>;
}
