// An example of a long action made of steps: it survives a crash or a deploy in the middle and resumes
// where it was. Register a Port action `provision_environment` with inputs `name` and `size`.
//
// Every side effect sits inside ctx.step. A step interrupted midway runs again on resume, so each one is
// idempotent: the calls it makes carry ctx.runId (plus the step) as their idempotency key.
import { z } from 'zod';
import { defineHandler } from '../src/index.js';

/** Stands in for your cloud's API (a real handler calls it here, with the idempotency key). */
async function createDatabase(name: string, size: string, idempotencyKey: string, signal: AbortSignal) {
  signal.throwIfAborted();
  return { host: `${name}.db.internal`, size, idempotencyKey };
}

export default defineHandler({
  action: 'provision_environment',
  inputs: z.object({ name: z.string().regex(/^[a-z][a-z0-9-]*$/), size: z.enum(['small', 'large']).default('small') }),
  resumable: true,
  async run(ctx) {
    const { name, size } = ctx.inputs;
    await ctx.reporter.log(`provisioning ${name} (${size})`);

    const db = await ctx.step('create-database', async () => {
      const created = await createDatabase(name, size, `${ctx.runId}:create-database`, ctx.signal);
      await ctx.reporter.log(`database ready at ${created.host}`);
      return created;
    });

    // Pure code between steps may stay outside: it runs again on resume and gives the same answer.
    const url = `https://console.example.com/environments/${name}`;

    await ctx.step('register-environment', () =>
      ctx.reporter.upsertEntity('environment', {
        identifier: name,
        title: name,
        properties: { size, databaseHost: db.host, url },
      }),
    );
    await ctx.reporter.addLink(url);
    await ctx.reporter.success(`environment ${name} is ready`);
  },
});
