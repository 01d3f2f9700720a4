// Runs until the file named by its `gate` input exists, so a test (another process) decides how long the
// run is in flight instead of racing a timer. Plain ESM, like the other durability handlers.
import { existsSync } from 'node:fs';
import { defineHandler } from '../../../dist/src/index.js';

export default defineHandler({
  action: 'held',
  timeoutMs: 120_000,
  async run(ctx) {
    await ctx.reporter.log('held');
    while (!existsSync(ctx.inputs.gate)) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await ctx.reporter.log('released');
  },
});
