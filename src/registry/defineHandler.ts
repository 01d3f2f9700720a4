import type { z } from 'zod';
import { MAX_TIMER_MS } from '../config.js';
import type { RunContext } from '../runtime/context.js';
import type { AutomationEvent, AutomationEventType } from '../runtime/event.js';

export type ActionOperation = 'CREATE' | 'DAY-2' | 'DELETE';

/** How the action looks in Port. Everything optional: a handler without it exports with Port's defaults. */
export interface ActionMetadata {
  title?: string;
  description?: string;
  icon?: string;
  /** The blueprint the action belongs to (required by Port for DAY-2 and DELETE). */
  blueprint?: string;
  /** Default CREATE. */
  operation?: ActionOperation;
  /** true/false, or ANY / ALL of the approvers. */
  requiredApproval?: boolean | 'ANY' | 'ALL';
}

/** A Port automation this handler runs: Port delivers its runs with `action.identifier` = `identifier`. */
export interface AutomationSpec<Ev extends AutomationEventType = AutomationEventType> {
  identifier: string;
  event: Ev;
  /** Entity events (ENTITY_*, ANY_ENTITY_CHANGE, TIMER_PROPERTY_EXPIRED): the blueprint watched. */
  blueprint?: string;
  /** Run events (RUN_*, ANY_RUN_CHANGE): the action whose runs are watched. */
  action?: string;
  /** TIMER_PROPERTY_EXPIRED: the timer property. */
  property?: string;
  title?: string;
  description?: string;
  icon?: string;
  /** Port's JQ condition: the automation fires only when the expressions hold. */
  condition?: { expressions: string[]; combinator?: 'and' | 'or' };
  /** Default true: an unpublished automation never fires. */
  publish?: boolean;
}

type ActionIds = string | string[];

/** ctx.event: the automation's event, null for self-service runs (never an event for a handler without automation). */
export type EventFor<Ev extends AutomationEventType, A> = [Ev] extends [never]
  ? null
  : [A] extends [undefined]
    ? AutomationEvent<Ev>
    : AutomationEvent<Ev> | null;

export interface HandlerSpec<
  Schema extends z.ZodType | undefined = undefined,
  Ev extends AutomationEventType = never,
  A extends ActionIds | undefined = ActionIds | undefined,
> extends ActionMetadata {
  /** Port action identifier(s) this handler runs. Optional when `automation` is given. */
  action?: A;
  /** Validates the run's inputs; ctx.inputs is typed from it. Invalid inputs end the run FAILURE naming the fields. */
  inputs?: Schema;
  /** Matches a Port action with "synchronized": true: Port takes the run's status from our HTTP answer. */
  synchronized?: boolean;
  /** Per-run deadline; default RUN_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Run again after a crash interrupted it (default: finalize FAILURE "interrupted"). Only for idempotent handlers. */
  retryOnRestart?: boolean;
  /** Also (or only) run a Port automation: its deliveries carry ctx.event, and no inputs (ctx.inputs is `{}`). */
  automation?: AutomationSpec<Ev>;
  // Without a schema the inputs are whatever Port sent, untyped.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run(ctx: RunContext<Schema extends z.ZodType ? z.output<Schema> : Record<string, any>, EventFor<Ev, A>>): Promise<unknown>;
}

const HANDLER = Symbol.for('port-action-runner.handler');

export interface Handler extends Omit<HandlerSpec<z.ZodType | undefined, AutomationEventType>, 'run'> {
  readonly [HANDLER]: true;
  /** Every identifier this handler answers: its actions, then its automation. */
  readonly actions: readonly string[];
  run(ctx: RunContext<unknown, unknown>): Promise<unknown>;
}

/** Marks a handler module's default export; validates the spec so a bad handler fails at startup. */
export function defineHandler<
  Schema extends z.ZodType | undefined = undefined,
  Ev extends AutomationEventType = never,
  A extends ActionIds | undefined = undefined,
>(spec: HandlerSpec<Schema, Ev, A>): Handler {
  const declared: unknown[] = spec.action === undefined ? [] : Array.isArray(spec.action) ? spec.action : [spec.action];
  if (spec.automation !== undefined) {
    const id: unknown = spec.automation?.identifier;
    if (typeof id !== 'string' || id.trim() === '') throw new TypeError('defineHandler: "automation.identifier" must be a non-empty string');
  }
  if ((declared.length === 0 && spec.automation === undefined) || declared.some((a) => typeof a !== 'string' || a.trim() === '')) {
    throw new TypeError('defineHandler: "action" must be a non-empty string or array of strings (or give an "automation")');
  }
  if (spec.automation && declared.includes(spec.automation.identifier)) {
    throw new TypeError(`defineHandler: "automation.identifier" '${spec.automation.identifier}' is also an action id: Port keeps actions and automations under one identifier each`);
  }
  if (typeof spec.run !== 'function') throw new TypeError('defineHandler: "run" must be a function');
  if (spec.timeoutMs !== undefined && !(Number.isInteger(spec.timeoutMs) && spec.timeoutMs > 0 && spec.timeoutMs <= MAX_TIMER_MS)) {
    throw new TypeError(`defineHandler: "timeoutMs" must be a positive integer of at most ${MAX_TIMER_MS} (about 24.8 days)`);
  }
  if (spec.inputs !== undefined && typeof (spec.inputs as z.ZodType).safeParse !== 'function') {
    throw new TypeError('defineHandler: "inputs" must be a zod schema');
  }
  const actions = [...(declared as string[]), ...(spec.automation ? [spec.automation.identifier] : [])];
  return Object.freeze({
    ...(spec as unknown as Omit<Handler, 'actions' | typeof HANDLER>),
    ...(spec.automation ? { automation: Object.freeze({ ...spec.automation }) } : {}),
    actions: Object.freeze(actions),
    [HANDLER]: true as const,
  });
}

export function isHandler(value: unknown): value is Handler {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[HANDLER] === true;
}

/** The action identifiers a handler declares (not its automation). */
export function actionIdsOf(handler: Handler): string[] {
  return handler.automation ? handler.actions.slice(0, -1) : [...handler.actions];
}
