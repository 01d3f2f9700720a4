// Turns any body shape Port sends (v1 envelope, trigger-data body, the default `port_context` template,
// a custom template) into one Invocation. Pure: no I/O, no clock. Only the body is signed: the URL's action
// may fill in a missing action but never contradict the body's, and a run id taken from the RUN_ID header is
// marked so the dispatcher confirms it with Port before anything runs.
import { CodedError } from '../errors.js';
import type { Invocation } from './invocation.js';

export interface Delivery {
  /** The parsed JSON body. */
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** The `:action` segment of POST /webhook/:action (unsigned): used when the body names no action. */
  urlAction?: string;
}

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A header by case-insensitive name (Port's default template sends `RUN_ID`); a repeated header counts as absent. */
function header(headers: Delivery['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

// No control characters; Port's are short ASCII tokens (r_…), docs placeholders may hold spaces.
const RUN_ID = /^[^\x00-\x1f\x7f]{1,256}$/u;

function runIdOf(body: Obj | undefined, headers: Delivery['headers']): { runId: string; fromHeader: boolean } {
  const portContext = obj(body?.port_context);
  const signed =
    text(obj(body?.context)?.runId) ??
    text(obj(body?.run)?.id) ??
    text(portContext?.runId) ??
    text(portContext?.run_id) ??
    text(body?.runId) ??
    text(body?.run_id);
  const runId = signed ?? text(header(headers, 'run_id'));
  if (runId === undefined) {
    throw new CodedError(
      'missing_run_id',
      'no run id in the delivery: expected context.runId, run.id, port_context.runId, runId or a RUN_ID header (add "{{ .run.id }}" to the action\'s body template)',
    );
  }
  if (!RUN_ID.test(runId)) {
    throw new CodedError('missing_run_id', `the delivery's run id cannot be a Port run id (control characters, or over 256 characters): ${JSON.stringify(runId.slice(0, 80))}`);
  }
  return { runId, fromHeader: signed === undefined };
}

function actionOf(body: Obj | undefined, urlAction: string | undefined): string | null {
  const signed = text(body?.action) ?? text(obj(body?.action)?.identifier);
  const fromUrl = text(urlAction);
  if (signed !== undefined && fromUrl !== undefined && signed !== fromUrl) {
    throw new CodedError(
      'action_mismatch',
      `the URL names action ${JSON.stringify(fromUrl.slice(0, 80))} but the signed body names ${JSON.stringify(signed.slice(0, 80))}: check the action's webhook URL`,
    );
  }
  return signed ?? fromUrl ?? null;
}

/** A blueprint given as a string or as `{identifier}`. */
function blueprintId(value: unknown): string | undefined {
  return text(value) ?? text(obj(value)?.identifier);
}

function entityOf(body: Obj | undefined): Obj | null {
  const entity = obj(obj(body?.payload)?.entity) ?? obj(body?.entity);
  return entity !== undefined && Object.keys(entity).length > 0 ? entity : null;
}

function inputsOf(body: Obj | undefined): Obj {
  if (body === undefined) return {};
  const v1 = obj(obj(body.payload)?.properties);
  if (v1) return v1;
  // Trigger data carries `inputs: null` for automations: that means "no inputs", not "the body is the inputs".
  if ('inputs' in body) return obj(body.inputs) ?? {};
  const properties = obj(body.properties);
  if (properties) return properties;
  // Port's default template spreads the inputs into the body beside port_context.
  const { port_context: _portContext, ...rest } = body;
  return rest;
}

/** The parts of an invocation read straight out of its body: the journal stores the body alone and derives them again. */
export function bodyParts(payload: unknown): Pick<Invocation, 'inputs' | 'entity' | 'trigger'> {
  const body = obj(payload);
  return { inputs: inputsOf(body), entity: entityOf(body), trigger: obj(body?.trigger) ?? null };
}

export function normalizeDelivery(delivery: Delivery): Invocation {
  const body = obj(delivery.body);
  const { runId, fromHeader } = runIdOf(body, delivery.headers);
  const { inputs, entity, trigger } = bodyParts(body);
  const payloadAction = obj(obj(body?.payload)?.action);
  return {
    runId,
    ...(fromHeader ? { runIdFromHeader: true } : {}),
    action: actionOf(body, delivery.urlAction),
    blueprint:
      text(obj(body?.context)?.blueprint) ??
      blueprintId(obj(body?.action)?.blueprint) ??
      blueprintId(payloadAction?.blueprint) ??
      blueprintId(entity?.blueprint) ??
      null,
    inputs,
    entity,
    trigger,
    payload: delivery.body,
  };
}
