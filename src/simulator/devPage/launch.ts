// Starts a run the way Port does when someone presses the action's button: checks the inputs against
// the action's definition, creates the run IN_PROGRESS, and delivers it, signed, to the service in the
// chosen payload shape. The delivery's answer is kept for the run page.
import type { PortEntity } from '../../port/types.js';
import type { DeliveryShape } from '../payloads.js';
import { coerceInputs, type InputProblem } from './coerceInputs.js';
import { actionBlueprint, entityBlueprint, type PageActionDefinition } from './definitions.js';
import type { PageState } from './pageState.js';
import type { PortSimulator } from '../simulator.js';

/** The shapes a person picks from (`--shape` of `npm run trigger`), as the simulator renders them. */
export const SHAPES = {
  v2: { delivery: 'trigger', label: 'v2 trigger data (POST /webhook)' },
  v1: { delivery: 'v1', label: 'v1 envelope (POST /webhook)' },
  default: { delivery: 'url-action', label: "Port's default body template (POST /webhook/:action)" },
} as const satisfies Record<string, { delivery: DeliveryShape; label: string }>;

export type PageShape = keyof typeof SHAPES;
export const DEFAULT_SHAPE: PageShape = 'v2';

export function isPageShape(v: unknown): v is PageShape {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(SHAPES, v);
}

export interface DevPageSource {
  /** The service's webhook URL (`http://127.0.0.1:3000/webhook`), null until it listens. */
  webhookUrl(): string | null;
}

/** The self-service actions the simulator holds (`npm start` syncs every handler's definition into it). */
export function pageActions(sim: PortSimulator): PageActionDefinition[] {
  return sim.actions().filter((a) => a.trigger.type === 'self-service');
}

export interface LaunchRequest {
  action: string;
  inputs: Record<string, unknown>;
  entity?: string | null;
  shape?: unknown;
  /** Form fields: empty means not given, an unticked checkbox false. */
  form?: boolean;
}

export type LaunchError = 'unknown_action' | 'invalid_inputs' | 'unknown_entity' | 'invalid_shape' | 'service_not_ready';

export type LaunchResult =
  | { ok: true; runId: string }
  | { ok: false; error: LaunchError; message: string; problems?: InputProblem[] };

function findAction(sim: PortSimulator, identifier: string): { def?: PageActionDefinition; known: string[] } {
  const defs = pageActions(sim);
  return { def: defs.find((d) => d.identifier === identifier), known: defs.map((d) => d.identifier) };
}

export async function launchRun(state: PageState, source: DevPageSource, req: LaunchRequest): Promise<LaunchResult> {
  const { def, known } = findAction(state.sim, req.action);
  if (!def) {
    const list = known.length ? `loaded actions: ${known.join(', ')}` : 'no handlers are loaded';
    return { ok: false, error: 'unknown_action', message: `unknown action '${req.action}' (${list})` };
  }
  const shape = req.shape === undefined || req.shape === '' ? DEFAULT_SHAPE : req.shape;
  if (!isPageShape(shape)) return { ok: false, error: 'invalid_shape', message: `unknown shape '${String(shape)}' (use ${Object.keys(SHAPES).join(', ')})` };

  const coerced = coerceInputs(def, req.inputs, { form: req.form });
  if (!coerced.ok) {
    const message = coerced.problems.map((p) => `input '${p.input}': ${p.message}`).join('; ');
    return { ok: false, error: 'invalid_inputs', message, problems: coerced.problems };
  }

  const blueprint = entityBlueprint(def);
  let entity: PortEntity | null = null;
  if (blueprint) {
    if (!req.entity) return { ok: false, error: 'unknown_entity', message: `action '${def.identifier}' runs on an entity of blueprint '${blueprint}': pick one` };
    const found = state.sim.entity(blueprint, req.entity);
    if (!found) return { ok: false, error: 'unknown_entity', message: `no entity '${req.entity}' of blueprint '${blueprint}' in the simulator` };
    entity = { ...found, blueprint };
  } else if (req.entity) {
    return { ok: false, error: 'unknown_entity', message: `action '${def.identifier}' is not a day-2 action: it takes no entity` };
  }

  const url = source.webhookUrl();
  if (!url) return { ok: false, error: 'service_not_ready', message: 'the service is not listening yet' };

  const bp = actionBlueprint(def);
  const run = state.sim.createRun({ action: def.identifier, blueprint: bp ?? undefined, properties: coerced.inputs, entity: entity?.identifier ?? null });
  const synchronized = def.invocationMethod?.synchronized === true;
  const sentTo = shape === 'default' ? `${url.replace(/\/+$/, '')}/${encodeURIComponent(def.identifier)}` : url;
  state.setDelivery(run.id, { shape, url: sentTo, synchronized, status: null });
  void state.sim
    .deliver({
      url,
      runId: run.id,
      action: def.identifier,
      shape: SHAPES[shape].delivery,
      inputs: coerced.inputs,
      entity,
      blueprint: bp,
      synchronized,
    })
    .then((r) => state.setDelivery(run.id, { shape, url: sentTo, synchronized, status: r.status, error: r.error, body: r.body }));
  return { ok: true, runId: run.id };
}
