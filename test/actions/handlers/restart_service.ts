// A day-2 action that also watches its own runs: an action and an automation in one handler.
import { z } from 'zod';
import { defineHandler } from '../../../src/index.js';

export default defineHandler({
  action: 'restart_service',
  title: 'Restart service',
  operation: 'DAY-2',
  blueprint: 'service',
  requiredApproval: 'ANY',
  synchronized: true,
  inputs: z.object({
    reason: z.string().meta({ title: 'Reason', format: 'multi-line' }),
    owner: z.string().meta({ title: 'Owner', format: 'user' }).optional(),
    env: z.enum(['staging', 'production']).default('staging').meta({ enumTitles: { staging: 'Staging', production: 'Production' } }),
  }),
  automation: { identifier: 'restart_service_watch', event: 'RUN_UPDATED', action: 'restart_service' },
  async run(ctx) {
    if (ctx.event) return { watched: ctx.event.diff.after.status };
    return { restarted: ctx.entity?.identifier, env: ctx.inputs.env };
  },
});
