// Plain ESM so the built service (dist/) can load it without a build step of its own.
import { setTimeout as sleep } from 'node:timers/promises';
import { defineHandler } from '../../../dist/src/index.js';

export default defineHandler({
  action: 'slow',
  async run(ctx) {
    const steps = ctx.inputs.steps ?? 3;
    for (let i = 0; i < steps; i++) {
      await ctx.reporter.log(`step ${i}`);
      await sleep(ctx.inputs.stepMs ?? 1000, undefined, { signal: ctx.signal });
    }
    await ctx.reporter.log('done');
  },
});
