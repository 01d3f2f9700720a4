// State shared between the e2e handlers and the tests (the handlers load through the registry, so through
// globalThis): executions per run id, and the runs an `e2e_held` handler holds until the test releases them.
const shared = globalThis as Record<string, unknown>;
export const executions: Map<string, number> = (shared.__e2eExecutions ??= new Map()) as Map<string, number>;
/** Run id → release(): set when an `e2e_held` run has started; calling it lets the run return. */
export const heldRuns: Map<string, () => void> = (shared.__e2eHeldRuns ??= new Map()) as Map<string, () => void>;
