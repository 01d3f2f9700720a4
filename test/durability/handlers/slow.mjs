// Plain ESM so the built service (dist/) can load it without a build step of its own.
import { defineHandler } from '../../../dist/src/index.js';

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason ?? new Error('aborted'));
    }, { once: true });
  });

export default defineHandler({
  action: 'slow',
  async run(ctx) {
    const steps = ctx.inputs.steps ?? 3;
    for (let i = 0; i < steps; i++) {
      await ctx.reporter.log(`step ${i}`);
      await sleep(ctx.inputs.stepMs ?? 1000, ctx.signal);
    }
    await ctx.reporter.log('done');
  },
});
