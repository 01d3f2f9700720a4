// winston, JSON lines or readable ones (LOG_FORMAT). Every line passes through the redactor:
// secret-looking keys are masked, and any known secret value (client secret, webhook secrets, access
// tokens as they are obtained) is replaced wherever it appears, so no log path can leak them.
import winston from 'winston';
import type Transport from 'winston-transport';

export type Logger = winston.Logger;

const SECRET_KEY = /(authorization|secret|token|signature|password|passwd|cookie|encrypted|api[_-]?key|private[_-]?key|credential)/i;
const MASK = '[redacted]';

export class Redactor {
  private readonly values = new Set<string>();

  /** Registers a value that must never appear in a log line (ignores short strings that would over-mask). */
  add(value: string | null | undefined): void {
    if (value && value.length >= 6) this.values.add(value);
  }

  /** Stops masking a value (an access token once it has been replaced: it is not kept forever). */
  remove(value: string | null | undefined): void {
    if (value) this.values.delete(value);
  }

  /** How many values are masked (tests: replaced tokens must not pile up). */
  get size(): number {
    return this.values.size;
  }

  redact(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.redactString(value);
    if (depth > 8 || value === null || typeof value !== 'object') return value;
    if (value instanceof Error) return this.redactString(value.message);
    if (Array.isArray(value)) return value.map((v) => this.redact(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && typeof v !== 'boolean' && typeof v !== 'number' ? MASK : this.redact(v, depth + 1);
    }
    return out;
  }

  private redactString(s: string): string {
    let out = s;
    for (const secret of this.values) if (out.includes(secret)) out = out.split(secret).join(MASK);
    // Bearer tokens and signature headers that slipped into free text. The includes() tests are the regexes'
    // own literal prefixes: most strings (every field of every line) skip both replaces.
    if (out.includes('Bearer')) out = out.replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, `Bearer ${MASK}`);
    if (out.includes('v1,')) out = out.replace(/v1,[A-Za-z0-9+/=]{20,}/g, `v1,${MASK}`);
    return out;
  }
}

const redactFormat = winston.format((info, opts: unknown) => {
  const r = (opts as { redactor: Redactor }).redactor;
  for (const key of Object.keys(info)) {
    const v = (info as Record<string, unknown>)[key];
    (info as Record<string, unknown>)[key] = SECRET_KEY.test(key) && typeof v === 'string' ? MASK : r.redact(v);
  }
  // info.message is one of the keys above: it is redacted once, there.
  return info;
});

export interface LoggerOptions {
  level?: string;
  /** JSON lines, else readable lines. */
  json?: boolean;
  redactor?: Redactor;
  /** Injected transports (tests capture lines in memory); default: the console. */
  transports?: Transport[];
  silent?: boolean;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const redactor = opts.redactor ?? new Redactor();
  const base = [winston.format.timestamp(), redactFormat({ redactor }), winston.format.errors({ stack: false })];
  const format = opts.json
    ? winston.format.combine(...base, winston.format.json())
    : winston.format.combine(
        ...base,
        winston.format.printf((info) => {
          const { timestamp, level, message, ...rest } = info as Record<string, unknown>;
          const fields = Object.entries(rest)
            .filter(([k]) => typeof k === 'string')
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          return `${timestamp} ${String(level).padEnd(5)} ${message}${fields ? ` ${fields}` : ''}`;
        }),
      );
  return winston.createLogger({
    level: opts.level ?? 'info',
    format,
    transports: opts.transports ?? [new winston.transports.Console()],
    silent: opts.silent,
  });
}

/** A logger that drops everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return createLogger({ silent: true });
}
