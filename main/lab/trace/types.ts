/** The trace's vocabulary lives in the contract (main/contract/trace.ts); the engine adds how events are emitted. */
import type { LabEventType } from '../../contract/trace';

export type { Header, RoutingDecision, TraceExchange, LabEventType, TerminationReason, LabEvent, TraceItem } from '../../contract/trace';

export type EmitEvent = (
  type: LabEventType,
  message: string,
  fields?: { node?: string | null; exchangeId?: string | null; data?: Record<string, unknown> },
) => void;
