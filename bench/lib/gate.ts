// A process-wide gate the parking handler waits on, so accepted runs pile up in the queue until the
// benchmark releases them. Kept on globalThis so every importer shares one gate. Starts closed.
const KEY = Symbol.for('port-action-runner.bench.gate');

interface Gate {
  promise: Promise<void>;
  open(): void;
  isOpen: boolean;
}

function closedGate(): Gate {
  let open!: () => void;
  const gate: Gate = { promise: new Promise<void>((resolve) => (open = resolve)), open: () => {}, isOpen: false };
  gate.open = () => {
    gate.isOpen = true;
    open();
  };
  return gate;
}

function current(): Gate {
  const g = globalThis as unknown as Record<symbol, Gate | undefined>;
  return (g[KEY] ??= closedGate());
}

/** Resolves once the gate opens (or `signal` aborts, so shutdown is never held up). */
export function waitForGate(signal?: AbortSignal): Promise<void> {
  const wait = current().promise;
  if (!signal) return wait;
  return Promise.race([wait, new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))]);
}

/** Lets every waiting and future run through, until `closeGate()`. */
export function releaseGate(): void {
  current().open();
}

/** Parks runs started from now on again. */
export function closeGate(): void {
  if (current().isOpen) (globalThis as unknown as Record<symbol, Gate>)[KEY] = closedGate();
}
