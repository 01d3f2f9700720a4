// What the ingress needs, injected by whoever builds the app (main, the test kit, the dev simulator).
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Dispatcher } from '../runtime/types.js';

export interface ReadinessReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: unknown }>;
}

export interface WebhookDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  dispatcher: Dispatcher;
  /** Accepted signing secrets: the client secret, then PORT_WEBHOOK_SECRETS (the dev mode's is generated). */
  secrets: string[];
}

export interface IngressDeps extends WebhookDeps {
  readiness: () => Promise<ReadinessReport>;
  /** False on a replica that only executes (ROLE=worker): no webhook route, health and metrics still served. */
  webhook?: boolean;
}
