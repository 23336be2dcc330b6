/** The trace's vocabulary lives in the contract (main/contract/trace.ts, events.ts); the engine adds how events are emitted. */
import type { EventData, LabEventType } from '../../contract/events';

export type { Header, RoutingDecision, TraceExchange, LabEventType, LabEventOf, TerminationReason, LabEvent, TraceItem, EventData } from '../../contract/trace';

/** Records a cluster event: its typed data; the sentence is rendered from it (eventText). */
export type EmitEvent = <T extends LabEventType>(type: T, fields: { node?: string | null; exchangeId?: string | null; data: EventData<T> }) => void;
