// Turns what a person typed (form fields, `--input k=v`) or a JSON inputs file into the run's
// properties, checked against the action's userInputs as Port checks a run request: unknown inputs,
// missing required ones, wrong types and values outside an enum are refused, each named.
import { formInputs, itemsOf, type PageActionDefinition, type UserInputSpec, type UserInputType } from './definitions.js';

export interface InputProblem {
  input: string;
  message: string;
}

export type CoercedInputs = { ok: true; inputs: Record<string, unknown> } | { ok: false; problems: InputProblem[] };

export interface CoerceOptions {
  /** Form fields are always sent: an empty one means "not given" and an unticked checkbox means false. */
  form?: boolean;
}

type Result = { value: unknown } | { error: string };

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

function coerceScalar(type: UserInputType | undefined, raw: unknown): Result {
  switch (type) {
    case 'number': {
      if (typeof raw === 'number' && Number.isFinite(raw)) return { value: raw };
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw.trim()) : NaN;
      return Number.isFinite(n) ? { value: n } : { error: `expected a number, got ${show(raw)}` };
    }
    case 'boolean':
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'true' || raw === 'on') return { value: true };
      if (raw === 'false') return { value: false };
      return { error: `expected true or false, got ${show(raw)}` };
    case 'object': {
      let v = raw;
      if (typeof raw === 'string') {
        try {
          v = JSON.parse(raw);
        } catch {
          return { error: 'expected a JSON object' };
        }
      }
      return v && typeof v === 'object' && !Array.isArray(v) ? { value: v } : { error: `expected a JSON object, got ${show(raw)}` };
    }
    default:
      return typeof raw === 'string' ? { value: raw } : { error: `expected text, got ${show(raw)}` };
  }
}

function coerceArray(spec: UserInputSpec, raw: unknown): Result {
  let list: unknown[];
  if (Array.isArray(raw)) list = raw;
  else if (typeof raw === 'string' && raw.trim().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!Array.isArray(parsed)) return { error: 'expected a JSON array' };
      list = parsed;
    } catch {
      return { error: 'expected a JSON array' };
    }
  } else if (typeof raw === 'string') {
    // One item per line (the form's text box), else comma-separated (`--input tags=a,b`).
    list = (raw.includes('\n') ? raw.split(/\r?\n/) : raw.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  } else return { error: `expected a list, got ${show(raw)}` };
  const out: unknown[] = [];
  const items = itemsOf(spec);
  for (const [i, item] of list.entries()) {
    const r = coerceScalar(items?.type ?? 'string', item);
    if ('error' in r) return { error: `item ${i + 1}: ${r.error}` };
    if (items?.enum && !items.enum.includes(r.value)) return { error: `item ${i + 1}: ${show(r.value)} is not one of ${items.enum.map(show).join(', ')}` };
    out.push(r.value);
  }
  return { value: out };
}

function check(spec: UserInputSpec, value: unknown): string | null {
  if (spec.enum && !spec.enum.includes(value)) return `${show(value)} is not one of ${spec.enum.map(show).join(', ')}`;
  if (typeof value === 'number') {
    if (spec.minimum !== undefined && value < spec.minimum) return `must be at least ${spec.minimum}`;
    if (spec.maximum !== undefined && value > spec.maximum) return `must be at most ${spec.maximum}`;
  }
  if (typeof value === 'string') {
    if (spec.minLength !== undefined && value.length < spec.minLength) return `must be at least ${spec.minLength} characters`;
    if (spec.maxLength !== undefined && value.length > spec.maxLength) return `must be at most ${spec.maxLength} characters`;
    if (spec.pattern !== undefined && !new RegExp(spec.pattern).test(value)) return `must match ${spec.pattern}`;
  }
  return null;
}

/** A default Port can apply by itself (a jq default is computed by Port's UI and cannot be here). */
function staticDefault(spec: UserInputSpec): unknown {
  const d = spec.default;
  return d && typeof d === 'object' && !Array.isArray(d) && 'jqQuery' in d ? undefined : d;
}

export function coerceInputs(def: PageActionDefinition, given: Record<string, unknown>, opts: CoerceOptions = {}): CoercedInputs {
  const declared = formInputs(def);
  const known = new Set(declared.map((d) => d.key));
  const problems: InputProblem[] = [];
  for (const key of Object.keys(given)) {
    if (!known.has(key)) {
      const list = declared.length ? `its inputs are ${declared.map((d) => d.key).join(', ')}` : 'it has no inputs';
      problems.push({ input: key, message: `unknown input for action '${def.identifier}' (${list})` });
    }
  }
  const inputs: Record<string, unknown> = {};
  for (const { key, spec, required } of declared) {
    let raw = given[key];
    if (opts.form && (raw === '' || (Array.isArray(raw) && raw.length === 0))) raw = undefined;
    if (opts.form && raw === undefined && spec.type === 'boolean') raw = false;
    if (raw === undefined) raw = staticDefault(spec);
    if (raw === undefined) {
      if (required) problems.push({ input: key, message: 'is required' });
      continue;
    }
    const r = spec.type === 'array' ? coerceArray(spec, raw) : coerceScalar(spec.type, raw);
    if ('error' in r) {
      problems.push({ input: key, message: r.error });
      continue;
    }
    const bad = check(spec, r.value);
    if (bad) problems.push({ input: key, message: bad });
    else inputs[key] = r.value;
  }
  return problems.length ? { ok: false, problems } : { ok: true, inputs };
}
