import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineHandler } from '../../../src/index.js';

export default defineHandler({
  action: 'three_steps',
  title: 'Three steps',
  description: 'Logs three lines a moment apart, with a label, a link, a summary and an external id',
  inputs: z.object({
    count: z.number().int().min(1).meta({ title: 'Count' }),
    tier: z.enum(['gold', 'silver']).default('silver').meta({ title: 'Tier', enumTitles: { gold: 'Gold tier', silver: 'Silver tier' } }),
    notify: z.boolean().optional().meta({ title: 'Notify', description: 'Send a notification when done' }),
    pauseMs: z.number().int().min(0).default(50).meta({ title: 'Pause (ms)' }),
  }),
  async run(ctx) {
    await ctx.reporter.setStatusLabel('working');
    await ctx.reporter.setExternalRunId('ext-42');
    await ctx.reporter.addLink('https://ci.example.com/job/42');
    for (let i = 1; i <= 3; i++) {
      await ctx.reporter.log(`step ${i} of 3 (count ${ctx.inputs.count}, ${ctx.inputs.tier})`);
      await sleep(ctx.inputs.pauseMs, undefined, { signal: ctx.signal });
    }
    await ctx.reporter.setSummary('three steps ran');
    await ctx.reporter.success('all steps done');
  },
});
