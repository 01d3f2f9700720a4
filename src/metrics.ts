// All Prometheus metrics in one registry per service instance (tests create their own). Label values are
// bounded: actions are registered handler ids (or "unknown"), Port routes are templates, never run ids.
import client from 'prom-client';

export interface Metrics {
  readonly registry: client.Registry;
  readonly deliveries: client.Counter<'outcome'>;
  readonly runsStarted: client.Counter<'action'>;
  readonly runsFinished: client.Counter<'action' | 'status'>;
  readonly runDuration: client.Histogram<'action'>;
  readonly runsInFlight: client.Gauge;
  readonly queueDepth: client.Gauge;
  readonly outboxDepth: client.Gauge;
  readonly portRequests: client.Counter<'route' | 'status'>;
  readonly portLatency: client.Histogram<'route'>;
  readonly portRetries: client.Counter<'route'>;
  readonly tokenRefreshes: client.Counter;
  readonly portCredentialsRefused: client.Gauge;
  readonly journalBytes: client.Gauge<'kind'>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new client.Registry();
  if (opts.defaultMetrics !== false) client.collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    deliveries: new client.Counter({
      name: 'port_runner_deliveries_total',
      help: 'Webhook deliveries by outcome (accepted, duplicate, or the rejection code)',
      labelNames: ['outcome'],
      registers,
    }),
    runsStarted: new client.Counter({ name: 'port_runner_runs_started_total', help: 'Runs started', labelNames: ['action'], registers }),
    runsFinished: new client.Counter({
      name: 'port_runner_runs_finished_total',
      help: 'Runs finished by final status',
      labelNames: ['action', 'status'],
      registers,
    }),
    runDuration: new client.Histogram({
      name: 'port_runner_run_duration_seconds',
      help: 'Run duration from start to final status',
      labelNames: ['action'],
      buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers,
    }),
    runsInFlight: new client.Gauge({ name: 'port_runner_runs_in_flight', help: 'Runs executing now', registers }),
    queueDepth: new client.Gauge({ name: 'port_runner_queue_depth', help: 'Accepted runs waiting for a slot', registers }),
    outboxDepth: new client.Gauge({ name: 'port_runner_outbox_depth', help: 'Reports journaled but not yet delivered to Port', registers }),
    portRequests: new client.Counter({
      name: 'port_runner_port_api_requests_total',
      help: 'Requests to the Port API by route template and HTTP status (or "network")',
      labelNames: ['route', 'status'],
      registers,
    }),
    portLatency: new client.Histogram({
      name: 'port_runner_port_api_request_duration_seconds',
      help: 'Latency of single Port API requests',
      labelNames: ['route'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    portRetries: new client.Counter({ name: 'port_runner_port_api_retries_total', help: 'Port API retries', labelNames: ['route'], registers }),
    tokenRefreshes: new client.Counter({ name: 'port_runner_port_token_requests_total', help: 'Access token requests sent to Port', registers }),
    portCredentialsRefused: new client.Gauge({
      name: 'port_runner_port_credentials_refused',
      help: '1 while Port refuses our credentials (401/403 on the token request) and token requests back off',
      registers,
    }),
    journalBytes: new client.Gauge({
      name: 'port_runner_journal_bytes',
      help: 'Size of the run journal file (kind="total"), and of its free pages not yet given back (kind="free")',
      labelNames: ['kind'],
      registers,
    }),
  };
}
