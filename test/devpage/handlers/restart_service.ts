import { z } from 'zod';
import { defineHandler } from '../../../src/index.js';

export default defineHandler({
  action: 'restart_service',
  title: 'Restart service',
  operation: 'DAY-2',
  blueprint: 'service',
  inputs: z.object({ reason: z.string().meta({ title: 'Reason', format: 'multi-line' }) }),
  async run(ctx) {
    const entity = ctx.entity as { identifier: string };
    await ctx.reporter.updateEntity('service', entity.identifier, { properties: { restartedFor: ctx.inputs.reason } });
    await ctx.reporter.log(`restarted ${entity.identifier}`);
  },
});
