/** An answer the simulated Port gives instead of a success: status plus Port's `{ok:false,error,message}` body. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
    this.name = 'SimError';
  }

  toBody(): { ok: false; error: string; message: string } {
    return { ok: false, error: this.error, message: this.message };
  }
}

export const notFound = (what: string): SimError => new SimError(404, 'not_found', `${what} was not found`);

/** Port refuses any write to a run that already has its final status (observed 422; the code string is ours). */
export const runFinished = (runId: string): SimError =>
  new SimError(422, 'run_already_finished', `The action run ${runId} has already finished and can no longer be modified`);
