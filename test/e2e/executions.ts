// Counts handler executions per run id, shared between the e2e handlers and the tests.
export const executions: Map<string, number> = ((globalThis as Record<string, unknown>).__e2eExecutions ??= new Map()) as Map<string, number>;
