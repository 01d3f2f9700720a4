// One load run with autocannon (programmatic), reduced to the figures the benchmarks report.
import autocannon from 'autocannon';
import { signedRequests, type DeliveryOptions } from './delivery.js';

export interface LoadOptions extends DeliveryOptions {
  url: string;
  /** Seconds of load; ignored when `amount` is set. */
  durationS?: number;
  /** Send exactly this many requests, then stop. */
  amount?: number;
  connections?: number;
  /** The status that counts as a delivery (202 accepted). */
  expectStatus?: number;
}

export interface LoadResult {
  /** Responses with `expectStatus` per second of the run. */
  deliveriesPerSec: number;
  delivered: number;
  /** Responses with any other status, by status. */
  otherStatuses: Record<string, number>;
  errors: number;
  timeouts: number;
  durationS: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const expect = String(opts.expectStatus ?? 202);
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections ?? 16,
    pipelining: 1,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.durationS ?? 3 }),
    timeout: 30,
    requests: signedRequests(opts),
  });
  const stats = (result as unknown as { statusCodeStats?: Record<string, { count: number | string }> }).statusCodeStats ?? {};
  const otherStatuses: Record<string, number> = {};
  let delivered = 0;
  for (const [status, { count }] of Object.entries(stats)) {
    if (status === expect) delivered = Number(count);
    else otherStatuses[status] = Number(count);
  }
  const durationS = result.duration > 0 ? result.duration : Number.NaN;
  return {
    deliveriesPerSec: delivered / durationS,
    delivered,
    otherStatuses,
    errors: result.errors,
    timeouts: result.timeouts,
    durationS,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

/** One line for a log: what came back besides the expected status. */
export function describeProblems(r: LoadResult): string {
  const parts = Object.entries(r.otherStatuses).map(([s, n]) => `${n}×${s}`);
  if (r.errors) parts.push(`${r.errors} errors`);
  if (r.timeouts) parts.push(`${r.timeouts} timeouts`);
  return parts.join(', ');
}
