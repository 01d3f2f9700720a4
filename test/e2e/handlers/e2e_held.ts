// Runs until the test releases it (heldRuns), so a test decides how long a run is in flight, not a timer.
import { defineHandler } from '../../../src/index.js';
import { heldRuns } from '../executions.js';

export default defineHandler({
  action: 'e2e_held',
  timeoutMs: 60_000,
  async run(ctx) {
    await new Promise<void>((resolve) => heldRuns.set(ctx.runId, resolve));
    await ctx.reporter.log('released');
  },
});
