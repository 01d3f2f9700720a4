// A handler's zod input schema → Port's `userInputs`. Read from the input side of zod's JSON Schema (what
// the user types: a transform or refinement maps to its input type), plus the Port details given with
// `.meta({...})`. Every JSON Schema keyword is either mapped or refused with an error naming the input:
// Port must never show a form that differs silently from what the handler validates.
import { z } from 'zod';
import type { UserInput, UserInputs, UserInputType } from '../port/actionTypes.js';
import { ActionDefinitionError } from './errors.js';

/** Formats Port's string inputs accept. */
export const PORT_FORMATS = ['date-time', 'url', 'email', 'ipv4', 'ipv6', 'yaml', 'entity', 'user', 'team', 'proto', 'markdown', 'multi-line', 'labeled-url'] as const;
export type PortFormat = (typeof PORT_FORMATS)[number];

/** What `.meta({...})` on an input may carry for Port (beyond zod's title and description). */
export interface PortInputDetails {
  title?: string;
  description?: string;
  icon?: string;
  /** A Port format; `entity` needs `blueprint`. zod's own formats (email, url, datetime, ip) map by themselves. */
  format?: PortFormat;
  blueprint?: string;
  /** Titles shown for enum values, by value. */
  enumTitles?: Record<string, string>;
  default?: unknown;
  /** A Port secret input: the value arrives encrypted (decrypt it with ctx.decrypt). */
  encryption?: 'aes256-gcm';
}

declare module 'zod' {
  // Typed `.meta()` for Port input details.
  interface GlobalMeta extends Omit<PortInputDetails, 'title' | 'description'> {}
}

// Port's propertyNames rule for userInputs.
const INPUT_NAME = /^[A-Za-z0-9@_=\\-]+$/;
// zod's string formats and the Port format each one is.
const ZOD_FORMATS: Record<string, PortFormat> = { 'date-time': 'date-time', email: 'email', uri: 'url', ipv4: 'ipv4', ipv6: 'ipv6' };
// Annotations that change nothing in the form.
const IGNORED = new Set(['$schema', 'examples', 'deprecated', 'readOnly', 'writeOnly', '$comment']);
// The bounds z.int() / z.number().int() add: not a limit anyone typed.
const SAFE_INT_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);
// Output key order, so exports diff cleanly.
const KEY_ORDER = ['type', 'title', 'description', 'icon', 'format', 'blueprint', 'enum', 'enumTitles', 'default', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'minItems', 'maxItems', 'items', 'encryption'];

type Node = Record<string, unknown>;

class Unsupported extends Error {}

const fail = (message: string): never => {
  throw new Unsupported(message);
};

function describeType(node: Node): string {
  if (Array.isArray(node.type)) return `a union type (${(node.type as string[]).join(' | ')}); make it one type, and use .optional() instead of .nullable()`;
  if (node.anyOf || node.oneOf) return 'a union (z.union / z.discriminatedUnion); Port inputs have one type each';
  if (node.allOf) return 'an intersection (z.intersection / .and())';
  if (node.$ref) return 'a schema with an id (.meta({ id }) or a recursive schema), which Port inputs cannot reference';
  return 'no JSON type (z.any(), z.unknown(), a Date, a bigint, a custom type): give it a string, number, boolean, array or object type';
}

function typeOf(node: Node): UserInputType {
  let t = node.type;
  if (t === undefined) {
    const values = Array.isArray(node.enum) ? node.enum : 'const' in node ? [node.const] : null;
    if (values && values.length > 0 && values.every((v) => typeof v === 'string')) t = 'string';
    else if (values && values.length > 0 && values.every((v) => typeof v === 'number')) t = 'number';
  }
  if (t === 'integer') return 'number';
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'object' || t === 'array') return t;
  if (t === 'null') return fail('a null type cannot be a Port input');
  return fail(describeType(node));
}

function ordered(input: Record<string, unknown>): UserInput {
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (input[k] !== undefined) out[k] = input[k];
  return out as UserInput;
}

/** One JSON Schema node → one Port input (or array item). `item` nodes take no title/default. */
function mapNode(node: Node, item: boolean): UserInput {
  const rest: Node = { ...node };
  const take = (key: string): unknown => {
    const v = rest[key];
    delete rest[key];
    return v;
  };
  for (const k of IGNORED) delete rest[k];
  const type = typeOf(node);
  delete rest.type;
  const out: Record<string, unknown> = { type };

  if (!item) {
    out.title = take('title');
    out.description = take('description');
    out.icon = take('icon');
    out.default = take('default');
  }
  if ('const' in rest) out.enum = [take('const')];
  if (rest.enum !== undefined) out.enum = take('enum');
  const enumTitles = take('enumTitles');
  if (enumTitles !== undefined) {
    if (!Array.isArray(out.enum)) fail('enumTitles needs an enum (z.enum([...]))');
    const known = new Set((out.enum as unknown[]).map(String));
    const extra = Object.keys(enumTitles as object).filter((k) => !known.has(k));
    if (extra.length) fail(`enumTitles names values that are not in the enum: ${extra.join(', ')}`);
    out.enumTitles = enumTitles;
  }

  const format = take('format');
  if (format !== undefined) {
    const f = String(format);
    const mapped = ZOD_FORMATS[f] ?? ((PORT_FORMATS as readonly string[]).includes(f) ? f : undefined);
    if (mapped === undefined) fail(`the format "${f}" has no Port equivalent (Port formats: ${PORT_FORMATS.join(', ')})`);
    // zod adds its own regex to the formats it checks; Port checks the format itself.
    if (ZOD_FORMATS[f]) delete rest.pattern;
    out.format = mapped;
  }
  const blueprint = take('blueprint');
  if (blueprint !== undefined) {
    if (out.format !== 'entity') fail('"blueprint" goes with format "entity"');
    out.blueprint = blueprint;
  }
  if (out.format === 'entity') {
    if (typeof out.blueprint !== 'string') fail('format "entity" needs a "blueprint" (.meta({ format: "entity", blueprint: "service" }))');
    // Port delivers an entity input as the entity (v2) or its identifier (v1): either schema is an entity pick.
    if (type === 'object') {
      out.type = 'string';
      for (const k of ['properties', 'required', 'additionalProperties', 'propertyNames']) delete rest[k];
    }
  }
  if (out.format !== undefined && out.type !== 'string') fail(`format "${String(out.format)}" needs a string input`);

  const encryption = take('encryption');
  if (encryption !== undefined) {
    if (encryption !== 'aes256-gcm') fail('the only Port encryption is "aes256-gcm"');
    if (type !== 'string' && type !== 'object') fail('encryption needs a string or object input');
    out.encryption = encryption;
  }

  switch (out.type) {
    case 'string':
      out.minLength = take('minLength');
      out.maxLength = take('maxLength');
      out.pattern = take('pattern');
      break;
    case 'number': {
      const integer = node.type === 'integer';
      const min = take('minimum');
      const max = take('maximum');
      out.minimum = typeof min === 'number' && !SAFE_INT_BOUNDS.has(min) ? min : undefined;
      out.maximum = typeof max === 'number' && !SAFE_INT_BOUNDS.has(max) ? max : undefined;
      const exMin = take('exclusiveMinimum');
      const exMax = take('exclusiveMaximum');
      if (exMin !== undefined || exMax !== undefined) {
        if (!integer) fail('an exclusive bound (.positive(), .gt(), .lt()) on a non-integer number: use .min() / .max()');
        if (typeof exMin === 'number') out.minimum = Math.max(exMin + 1, typeof out.minimum === 'number' ? out.minimum : -Infinity);
        if (typeof exMax === 'number') out.maximum = Math.min(exMax - 1, typeof out.maximum === 'number' ? out.maximum : Infinity);
      }
      break;
    }
    case 'array': {
      out.minItems = take('minItems');
      out.maxItems = take('maxItems');
      const items = take('items');
      if (rest.prefixItems !== undefined) fail('a tuple (z.tuple) cannot be a Port input: use z.array');
      if (items && typeof items === 'object') {
        try {
          out.items = mapNode(items as Node, true);
        } catch (err) {
          if (err instanceof Unsupported) fail(`its items: ${err.message}`);
          throw err;
        }
      }
      break;
    }
    case 'object':
      // Port's object input is a JSON editor: the inner shape is checked by the handler's schema at run time.
      for (const k of ['properties', 'required', 'additionalProperties', 'propertyNames']) delete rest[k];
      break;
  }
  const left = Object.keys(rest);
  if (left.length) fail(`${left.map((k) => `"${k}"`).join(', ')} cannot be expressed in a Port ${out.type} input`);
  return ordered(out);
}

/**
 * Port's `userInputs` for a handler's input schema (empty without one). Throws ActionDefinitionError
 * naming `where` (the handler) and the input for anything Port cannot express.
 */
export function userInputsOf(schema: z.ZodType | undefined, where: string): UserInputs {
  if (schema === undefined) return { properties: {}, required: [], order: [] };
  let json: Node;
  try {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Node;
  } catch (err) {
    throw new ActionDefinitionError(`${where}: its inputs cannot be turned into Port inputs: ${(err as Error).message}`);
  }
  if (json.type !== 'object' || (json.properties !== undefined && typeof json.properties !== 'object')) {
    throw new ActionDefinitionError(`${where}: "inputs" must be a z.object({...}) to become Port inputs`);
  }
  if (json.additionalProperties !== undefined && json.additionalProperties !== false && !(typeof json.additionalProperties === 'object' && Object.keys(json.additionalProperties as object).length === 0)) {
    throw new ActionDefinitionError(`${where}: inputs with a .catchall() schema cannot be Port inputs (Port sends only the inputs it defines)`);
  }
  const props = (json.properties ?? {}) as Record<string, Node>;
  const properties: Record<string, UserInput> = {};
  for (const [name, node] of Object.entries(props)) {
    if (!INPUT_NAME.test(name)) {
      throw new ActionDefinitionError(`${where}: input '${name}': Port input names use only letters, digits, @, _, = and -`, { input: name });
    }
    try {
      properties[name] = mapNode(node, false);
    } catch (err) {
      if (err instanceof Unsupported) throw new ActionDefinitionError(`${where}: input '${name}': ${err.message}`, { input: name });
      throw err;
    }
  }
  const required = Array.isArray(json.required) ? (json.required as string[]).filter((k) => k in properties) : [];
  return { properties, required, order: Object.keys(properties) };
}
