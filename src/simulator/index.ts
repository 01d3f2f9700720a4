// The local Port simulator: used by the tests and by `npm start` without credentials.
//   const { url, sim, close } = await startSimulator({ clientId: 'id', clientSecret: 'secret' });
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from '../logger.js';
import { createSimulatorApp as createApp } from './app.js';
import type { DevPageSource } from './devPage/router.js';
import { PortSimulator, type SimulatorOptions } from './simulator.js';

export { PortSimulator } from './simulator.js';
export type { SimulatorOptions, CreateRunOptions } from './simulator.js';
export type { DeliverOptions, DeliveryResult } from './webhookCaller.js';
export type { DeliveryShape } from './payloads.js';
export type { FailNextRule, RateLimitRule } from './faults.js';
export type { EntityTie, RejectedWrite, RequestRecord, SimEntity, SimRun, SimRunLog, Violation, ViolationKind } from './types.js';
export { BODY_LIMIT_BYTES } from './app.js';
export type { DevPageSource, PageActionDefinition } from './devPage/router.js';

export interface StartSimulatorOptions extends SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  logger?: Logger;
  /** Serve the local run page from the service's handlers (`npm start` without credentials). */
  page?: DevPageSource;
}

export interface RunningSimulator {
  /** Base URL, e.g. http://127.0.0.1:41234 (use as PORT_API_URL). */
  url: string;
  sim: PortSimulator;
  close(): Promise<void>;
}

/** The Express app and its simulator, for supertest. */
export function createSimulatorApp(opts: SimulatorOptions & { logger?: Logger; page?: DevPageSource }): { app: Express; sim: PortSimulator } {
  const sim = new PortSimulator(opts);
  return { app: createApp(sim, { logger: opts.logger, page: opts.page }), sim };
}

export async function startSimulator(opts: StartSimulatorOptions): Promise<RunningSimulator> {
  const { app, sim } = createSimulatorApp(opts);
  const host = opts.host ?? '127.0.0.1';
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port ?? 0, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  opts.logger?.info('local Port simulator listening', { url });
  return {
    url,
    sim,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections(); // keep-alive clients must not hold close() open
      }),
  };
}
