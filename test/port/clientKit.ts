// Builds a PortClient aimed at a TestServer with fast, deterministic retry settings.
import { silentLogger, type Logger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { PortClient, type PortClientOptions } from '../../src/port/client.js';
import type { TestServer } from './testServer.js';

export function makeClient(server: TestServer, overrides: Partial<PortClientOptions> = {}): { client: PortClient; metrics: ReturnType<typeof createMetrics>; logger: Logger } {
  const metrics = createMetrics({ defaultMetrics: false });
  const logger = overrides.logger ?? silentLogger();
  const client = new PortClient({
    baseUrl: server.url,
    credentials: { clientId: 'client-id', clientSecret: 'client-secret-value' },
    logger,
    metrics,
    budgetMs: 5_000,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    requestTimeoutMs: 2_000,
    ...overrides,
  });
  return { client, metrics, logger };
}
