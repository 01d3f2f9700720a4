// Payloads are logged at debug only, and even then without the values of Port secret inputs: Port names
// them in `censoredProperties` (v1 envelope) or `action.encryptedProperties` (trigger data).

const MASK = '[encrypted input]';

function names(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function maskKeys(obj: unknown, keys: Set<string>): unknown {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return obj;
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, keys.has(k) ? MASK : v]));
}

/** A copy of the delivery body safe to log: secret inputs replaced wherever the inputs may sit. */
export function maskSecretInputs(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const b = body as Record<string, unknown>;
  const payload = b.payload as Record<string, unknown> | undefined;
  const action = b.action as Record<string, unknown> | undefined;
  const secret = new Set([...names(payload?.censoredProperties), ...names(b.censoredProperties), ...names(action?.encryptedProperties)]);
  if (secret.size === 0) return body;
  const masked: Record<string, unknown> = { ...maskKeys(b, secret) as Record<string, unknown> };
  if (payload && typeof payload === 'object') masked.payload = { ...payload, properties: maskKeys(payload.properties, secret) };
  if (b.inputs !== undefined) masked.inputs = maskKeys(b.inputs, secret);
  if (b.properties !== undefined) masked.properties = maskKeys(b.properties, secret);
  return masked;
}
