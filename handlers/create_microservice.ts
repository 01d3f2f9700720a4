// The example action: Port's "Create microservice". Register a Port action with identifier
// `create_microservice`, inputs `name` and `region`, and this service's /webhook as its URL.
import { z } from 'zod';
import { defineHandler } from '../src/index.js';

export default defineHandler({
  action: 'create_microservice',
  inputs: z.object({ name: z.string().min(1), region: z.string().min(1) }),
  async run(ctx) {
    const entity = await ctx.reporter.upsertEntity('microservice', {
      identifier: ctx.inputs.name.replace(/ /g, '_'),
      title: ctx.inputs.name,
      properties: { region: ctx.inputs.region },
    });
    await ctx.reporter.log(`new entity: ${entity.identifier}`);
    await ctx.reporter.success('Completed successfully!');
  },
});
