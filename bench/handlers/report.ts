// Reporter benchmark: the typical run of issue 5 (one entity upsert, three log lines, the final status).
import { defineHandler } from '../../src/index.js';

export default defineHandler({
  action: 'bench_report',
  async run(ctx) {
    const entity = await ctx.reporter.upsertEntity('service', {
      identifier: `bench_${ctx.runId}`,
      title: `bench ${ctx.runId}`,
      properties: {},
    });
    await ctx.reporter.log(`upserted ${entity.identifier}`);
    await ctx.reporter.log('step 2 of 3');
    await ctx.reporter.log('step 3 of 3');
    await ctx.reporter.success('bench run done');
  },
});
