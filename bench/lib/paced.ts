// Paced load: one signed delivery every 1/rate s, whatever the answers do (an open-loop load, as Port's
// deliveries arrive), each timed from its send to its answer. autocannon's overallRate releases a second's
// quota at once, so its latencies measure that burst queueing up, not a delivery's wait.
import http from 'node:http';
import { deliveryBody, runIdSource, signedHeaders } from './delivery.js';
import { percentile } from './stats.js';

export interface PacedOptions {
  url: string;
  secret: string;
  action: string;
  ratePerSec: number;
  durationS: number;
  /** Keep-alive sockets (as a load balancer keeps a few open to the service). */
  connections: number;
}

export interface PacedResult {
  sent: number;
  byStatus: Record<string, number>;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  deliveriesPerSec: number;
}

export async function runPaced(opts: PacedOptions): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const target = new URL('/webhook', opts.url);
  const nextRunId = runIdSource();
  const latencies: number[] = [];
  const byStatus: Record<string, number> = {};
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const total = Math.round(opts.ratePerSec * opts.durationS);
  const start = performance.now();
  const send = () =>
    new Promise<void>((resolve) => {
      const body = deliveryBody(nextRunId(), opts.action);
      const t0 = performance.now();
      const req = http.request(target, { method: 'POST', agent, headers: { ...signedHeaders(opts.secret, body), 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          byStatus[res.statusCode ?? 0] = (byStatus[res.statusCode ?? 0] ?? 0) + 1;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  for (let i = 0; i < total; i++) {
    // Until this delivery's slot on the schedule; one late because this process stalled goes at once.
    const due = start + (i * 1000) / opts.ratePerSec;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(send());
  }
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  return { sent: total, byStatus, errors, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), deliveriesPerSec: (byStatus['202'] ?? 0) / elapsedS };
}
