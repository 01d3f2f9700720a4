// The example action: Port's "Create microservice". This file is its whole definition: `npm run actions
// -- sync` creates the Port action (title, inputs, webhook) from it, and the service runs it.
import { z } from 'zod';
import { defineHandler } from '../src/index.js';

export default defineHandler({
  action: 'create_microservice',
  title: 'Create microservice',
  description: 'Registers a new microservice in the catalog',
  icon: 'Microservice',
  inputs: z.object({
    name: z.string().min(1).meta({ title: 'Name', description: 'Spaces become underscores in the identifier' }),
    region: z.string().min(1).meta({ title: 'Region' }),
  }),
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
