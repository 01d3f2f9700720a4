import { z } from 'zod';
import { defineHandler } from '../../../src/index.js';

export default defineHandler({
  action: 'deploy_fails',
  title: 'Deploy (always fails)',
  inputs: z.object({ version: z.string().meta({ title: 'Version' }) }),
  async run(ctx) {
    await ctx.reporter.log(`starting deploy of ${ctx.inputs.version}`);
    throw new Error('deploy target unreachable');
  },
});
