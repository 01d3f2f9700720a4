// `npm run trigger -- <action> [--input k=v …] [--inputs-file f.json] [--entity id] [--shape v1|v2|default]`
// parsed into one request. Anything wrong is a UsageError that names the argument.

export const USAGE = `usage: npm run trigger -- <action> [--input key=value ...] [--inputs-file inputs.json] [--entity id] [--shape v1|v2|default]

Starts a run of <action> and follows it until it ends: log lines as they arrive, then the final status
and label. Exit code 0 SUCCESS, 1 FAILURE, 2 usage error (nothing was run).
Without Port credentials it goes through the local Port simulator of \`npm start\` (PORT, SIMULATOR_PORT);
with PORT_CLIENT_ID/PORT_CLIENT_SECRET it creates the run in Port. Ctrl-C stops following, not the run.`;

export const SHAPE_NAMES = ['v1', 'v2', 'default'] as const;
export type ShapeName = (typeof SHAPE_NAMES)[number];

export interface TriggerArgs {
  action: string;
  /** From --inputs-file (typed JSON) overlaid with --input (text, typed by the action's definition). */
  inputs: Record<string, unknown>;
  entity: string | null;
  shape: ShapeName | null;
  help: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseTriggerArgs(argv: readonly string[], readFile: (file: string) => string): TriggerArgs {
  const out: TriggerArgs = { action: '', inputs: {}, entity: null, shape: null, help: false };
  const fromFlags: Record<string, string> = {};
  let inputsFile: string | null = null;
  const args = [...argv];
  while (args.length) {
    const arg = args.shift()!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = args.shift();
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '-h':
      case '--help':
        out.help = true;
        break;
      case '--input': {
        const pair = value();
        const at = pair.indexOf('=');
        if (at <= 0) throw new UsageError(`--input expects key=value, got '${pair}'`);
        fromFlags[pair.slice(0, at)] = pair.slice(at + 1);
        break;
      }
      case '--inputs-file':
        inputsFile = value();
        break;
      case '--entity':
        out.entity = value();
        break;
      case '--shape': {
        const shape = value();
        if (!(SHAPE_NAMES as readonly string[]).includes(shape)) throw new UsageError(`--shape must be one of ${SHAPE_NAMES.join(', ')}, got '${shape}'`);
        out.shape = shape as ShapeName;
        break;
      }
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
        if (out.action) throw new UsageError(`one action at a time: got '${out.action}' and '${arg}'`);
        out.action = arg;
    }
  }
  if (out.help) return out;
  if (!out.action) throw new UsageError('which action? name it first');
  if (inputsFile !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFile(inputsFile));
    } catch (err) {
      throw new UsageError(`--inputs-file ${inputsFile}: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`--inputs-file ${inputsFile}: expected a JSON object of inputs`);
    out.inputs = parsed as Record<string, unknown>;
  }
  out.inputs = { ...out.inputs, ...fromFlags };
  return out;
}
