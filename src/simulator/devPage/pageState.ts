// What the page keeps beside the simulator's own state: the answer each delivery got, when a page-set
// outage ends, and who to tell when anything changed (open run pages and `npm run trigger` follow
// changes over server-sent events). The simulator's recorder reports every Port request.
import type { PortSimulator } from '../simulator.js';

export interface DeliveryState {
  /** The payload shape sent. */
  shape: string;
  url: string;
  /** Port takes a synchronized run's status from this answer. */
  synchronized: boolean;
  /** null while the webhook has not answered; 0 when no answer came. */
  status: number | null;
  error?: string;
  body?: unknown;
}

export class PageState {
  private readonly deliveries = new Map<string, DeliveryState>();
  private readonly listeners = new Set<() => void>();
  private scheduled = false;
  /** Epoch ms a page-set outage ends (the simulator's faults keep no readable end time). */
  outageEndsAt: number | null = null;
  private outageTimer: NodeJS.Timeout | null = null;

  constructor(readonly sim: PortSimulator) {
    sim.recorder.onRecord(() => this.changed());
  }

  /** Listeners run once per turn of the event loop however many changes came in it. */
  changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const listener of [...this.listeners]) listener();
    });
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  delivery(runId: string): DeliveryState | undefined {
    return this.deliveries.get(runId);
  }

  setDelivery(runId: string, d: DeliveryState): void {
    this.deliveries.set(runId, d);
    this.changed();
  }

  /** Remembers when the outage ends and refreshes open pages then, even if nothing calls Port. */
  outageFor(ms: number | null): void {
    if (this.outageTimer) clearTimeout(this.outageTimer);
    this.outageTimer = null;
    this.outageEndsAt = ms === null ? null : this.sim.clock.now() + ms;
    if (ms !== null) {
      this.outageTimer = setTimeout(() => {
        this.outageEndsAt = null;
        this.changed();
      }, ms + 50);
      this.outageTimer.unref();
    }
    this.changed();
  }
}
