// A step whose result has no JSON form.
import { defineHandler } from '../../../dist/src/index.js';

export default defineHandler({
  action: 'bad_step',
  resumable: true,
  async run(ctx) {
    await ctx.step('count', async () => ({ total: 10n }));
    await ctx.reporter.log('not reached');
  },
});
