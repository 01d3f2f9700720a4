// The simulator's state and its JS API for tests: inspection, fault injection, run creation, delivery.
// The Express app (app.ts) serves Port's routes and /_sim/ on top of one instance of this.
import { systemClock, type Clock } from '../clock.js';
import type { PortAction, PortActionDefinition } from '../port/actionTypes.js';
import type { PortBlueprint } from '../port/types.js';
import { createActionRoutes } from './actionRoutes.js';
import { SimActions } from './actions.js';
import { SimBlueprints } from './blueprints.js';
import { createReadRoutes } from './readRoutes.js';
import { callWebhook, type DeliverOptions, type DeliveryResult } from './webhookCaller.js';
import { SimEntities } from './entities.js';
import { Faults, type FailNextRule, type RateLimitRule } from './faults.js';
import { openApiValidator, type OpenApiValidator } from './openapi.js';
import { createPortRoutes, type PortRoute } from './portRoutes.js';
import { Recorder } from './recorder.js';
import { SimRuns, type CreateRunInput } from './runs.js';
import { TokenStore } from './tokens.js';
import type { EntityTie, RequestRecord, SimEntity, SimRun, Violation } from './types.js';

export interface SimulatorOptions {
  clientId: string;
  clientSecret: string;
  /** Lifetime of issued tokens (Port: 3 hours). */
  tokenExpiresInSeconds?: number;
  /** Port hands out the same active token until it expires; false issues a fresh one per request. */
  reuseActiveToken?: boolean;
  /** 404 when a relation names a missing entity (as Port) unless create_missing_related_entities. */
  checkRelations?: boolean;
  clock?: Clock;
}

export interface CreateRunOptions {
  action: string;
  blueprint?: string;
  properties?: Record<string, unknown>;
  entity?: string | null;
  runId?: string;
}

export class PortSimulator {
  readonly clock: Clock;
  readonly validator: OpenApiValidator;
  readonly faults: Faults;
  readonly recorder: Recorder;
  private readonly runStore: SimRuns;
  private readonly entityStore: SimEntities;
  private readonly actionStore: SimActions;
  private readonly blueprintStore: SimBlueprints;
  private readonly tokens: TokenStore;
  private readonly credentials: { clientId: string; clientSecret: string };
  private readonly access = { revoked: false };
  /** Port operation handlers by `METHOD /template`. */
  readonly routes: Record<string, PortRoute>;

  constructor(opts: SimulatorOptions) {
    this.clock = opts.clock ?? systemClock;
    this.credentials = { clientId: opts.clientId, clientSecret: opts.clientSecret };
    this.validator = openApiValidator();
    this.faults = new Faults(this.clock);
    this.recorder = new Recorder(this.clock);
    this.runStore = new SimRuns(this.clock);
    this.entityStore = new SimEntities(this.clock, opts.checkRelations ?? true);
    this.tokens = new TokenStore(this.clock, opts.tokenExpiresInSeconds ?? 10_800, opts.reuseActiveToken ?? true);
    this.actionStore = new SimActions(this.clock);
    this.blueprintStore = new SimBlueprints(this.clock);
    this.routes = {
      ...createPortRoutes({ runs: this.runStore, entities: this.entityStore, tokens: this.tokens, credentials: this.credentials, access: this.access }),
      ...createActionRoutes(this.actionStore),
      ...createReadRoutes({ blueprints: this.blueprintStore, entities: this.entityStore }),
    };
  }

  get clientId(): string {
    return this.credentials.clientId;
  }

  /** 'ok' or why a bearer token is refused. */
  checkToken(token: string): 'ok' | 'unknown' | 'expired' {
    return this.tokens.check(token);
  }

  // ---- runs and entities -------------------------------------------------------------------------

  createRun(opts: CreateRunOptions): SimRun {
    const input: CreateRunInput = { action: opts.action, blueprint: opts.blueprint, properties: opts.properties, entity: opts.entity, runId: opts.runId };
    return structuredClone(this.runStore.create(input));
  }

  /** A snapshot of the run (logs in order, ties, rejected writes), or undefined. */
  run(runId: string): SimRun | undefined {
    const run = this.runStore.find(runId);
    return run ? structuredClone(run) : undefined;
  }

  /** The run's status without a snapshot (cheap enough to ask on every request), or undefined. */
  runStatus(runId: string): SimRun['status'] | undefined {
    return this.runStore.find(runId)?.status;
  }

  runs(): SimRun[] {
    return structuredClone(this.runStore.all());
  }

  /** Entity writes tied to the run through `run_id`. */
  tiedEntities(runId: string): EntityTie[] {
    return structuredClone(this.runStore.find(runId)?.entities ?? []);
  }

  entity(blueprint: string, identifier: string): SimEntity | undefined {
    const e = this.entityStore.find(blueprint, identifier);
    return e ? structuredClone(e) : undefined;
  }

  entities(blueprint?: string): SimEntity[] {
    return structuredClone(this.entityStore.all().filter((e) => !blueprint || e.blueprint === blueprint));
  }

  /** Puts an entity in the catalog (a relation target, the subject of a day-2 action). */
  seedEntity(blueprint: string, entity: Record<string, unknown> & { identifier: string }): SimEntity {
    return structuredClone(this.entityStore.seed(blueprint, entity));
  }

  // ---- actions and automations (what `actions sync` wrote) ------------------------------------------

  /** Every action and automation, in creation order, as GET /v1/actions answers them. */
  actions(): PortAction[] {
    return structuredClone(this.actionStore.list());
  }

  action(identifier: string): PortAction | undefined {
    const a = this.actionStore.find(identifier);
    return a ? structuredClone(a) : undefined;
  }

  /** Stores a definition as POST /v1/actions would (409 / 422 rules included), without HTTP. */
  createAction(def: PortActionDefinition): PortAction {
    return structuredClone(this.actionStore.create(def));
  }

  /** Replaces a stored definition as PUT would: tests change "Port's copy" to see drift. */
  replaceAction(def: PortActionDefinition): PortAction {
    return structuredClone(this.actionStore.replace(def.identifier, def));
  }

  /** Puts a blueprint in place for GET /v1/blueprints/{identifier} (ctx.port.getBlueprint). */
  seedBlueprint(blueprint: Partial<PortBlueprint> & { identifier: string }): PortBlueprint {
    return structuredClone(this.blueprintStore.seed(blueprint));
  }

  deliver(opts: DeliverOptions): Promise<DeliveryResult> {
    return callWebhook({ runs: this.runStore, recorder: this.recorder, clock: this.clock, defaultSecret: this.credentials.clientSecret }, opts);
  }

  // ---- inspection --------------------------------------------------------------------------------

  requests(filter?: { route?: string; method?: string }): RequestRecord[] {
    return structuredClone(this.recorder.requests(filter));
  }

  /** Requests per `METHOD /template` (`unknown` for routes Port lacks). */
  counts(): Record<string, number> {
    return this.recorder.counts();
  }

  get tokenRequests(): number {
    return this.recorder.tokenRequests;
  }

  violations(): Violation[] {
    return this.recorder.violations();
  }

  /** Clears runs, entities, request log, counts, violations and faults. Issued tokens stay valid. */
  reset(): void {
    this.runStore.clear();
    this.entityStore.clear();
    this.actionStore.clear();
    this.blueprintStore.clear();
    this.recorder.clear();
    this.faults.clear();
  }

  // ---- faults ------------------------------------------------------------------------------------

  setLatency(ms: number, route?: string): void {
    this.faults.setLatency(ms, route);
  }

  failNext(rule: FailNextRule): void {
    this.faults.failNext(rule);
  }

  rateLimit(rule?: RateLimitRule): void {
    this.faults.rateLimit(rule);
  }

  outage(durationMs?: number): void {
    this.faults.outage(durationMs);
  }

  clearOutage(): void {
    this.faults.clearOutage();
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Every token issued so far stops working: the next call with one gets 401. */
  expireTokens(): void {
    this.tokens.expireAll();
  }

  /** Port no longer takes our credentials: issued tokens stop working and the token route answers 401. */
  revokeCredentials(): void {
    this.access.revoked = true;
    this.tokens.expireAll();
  }

  restoreCredentials(): void {
    this.access.revoked = false;
  }

  /**
   * The next `count` final statuses (PATCH with `status`, or a log with `terminationStatus`) are refused
   * the way the tests need: `schema` is Port's 422 for a body that does not match the route's schema;
   * `proxy-conflict` is a 409 from something in between, with no Port error body.
   */
  refuseFinals(kind: 'schema' | 'proxy-conflict', count = 1): void {
    this.faults.refuseFinals(kind, count);
  }

  setTokenLifetime(seconds: number): void {
    this.tokens.lifetimeSeconds = seconds;
  }
}
