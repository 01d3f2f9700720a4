import { z } from 'zod';
import { defineHandler } from '../../../src/index.js';

export default defineHandler({
  action: 'e2e_sync',
  synchronized: true,
  inputs: z.object({ name: z.string(), fail: z.boolean().optional() }),
  async run(ctx) {
    await ctx.reporter.log(`creating ${ctx.inputs.name}`);
    if (ctx.inputs.fail) await ctx.reporter.failure(`cannot create ${ctx.inputs.name}`);
    return { created: ctx.inputs.name };
  },
});
