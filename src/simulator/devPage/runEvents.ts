// The run as a sequence of events for `npm run trigger`: each log line once, in order, label changes,
// the webhook's answer, and `end` with the final status (after the last log line).
import { durationOf, isFinal } from './runDetails.js';
import type { PageState } from './pageState.js';
import type { StreamEvent } from './stream.js';

export function runEventProducer(state: PageState, runId: string): () => { events: StreamEvent[]; done?: boolean } {
  let sentLogs = 0;
  let label: string | null = null;
  let deliverySent = false;
  return () => {
    const run = state.sim.run(runId);
    if (!run) return { events: [{ event: 'gone', data: { runId } }], done: true };
    const events: StreamEvent[] = [];
    for (const log of run.logs.slice(sentLogs)) events.push({ event: 'log', data: { message: log.message, createdAt: log.createdAt } });
    sentLogs = run.logs.length;
    const delivery = state.delivery(runId);
    if (!deliverySent && delivery && delivery.status !== null) {
      deliverySent = true;
      events.push({ event: 'delivery', data: { status: delivery.status, synchronized: delivery.synchronized, error: delivery.error ?? null, body: delivery.body ?? null } });
    }
    if (isFinal(run)) {
      events.push({ event: 'end', data: { status: run.status, statusLabel: run.statusLabel, durationMs: durationOf(run) } });
      return { events, done: true };
    }
    if (run.statusLabel !== label) {
      label = run.statusLabel;
      if (label !== null) events.push({ event: 'label', data: { statusLabel: label } });
    }
    return { events };
  };
}
