/** One delivery, whatever shape Port sent it in: what the rest of the service works with. */
export interface Invocation {
  runId: string;
  /** Set when the run id came only from the (unsigned) RUN_ID header: Port must confirm the run first. */
  runIdFromHeader?: true;
  /** Null until resolved (the default template carries no action id: then Port is asked). */
  action: string | null;
  /** The blueprint the delivery names, used to strip a 2024-migration prefix from the action id. */
  blueprint: string | null;
  inputs: Record<string, unknown>;
  /** The entity of a day-2 action, else null. */
  entity: Record<string, unknown> | null;
  trigger: Record<string, unknown> | null;
  /** The verified body as received (parsed). */
  payload: unknown;
}
