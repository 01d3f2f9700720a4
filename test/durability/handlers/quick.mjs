import { defineHandler } from '../../../dist/src/index.js';

export default defineHandler({
  action: 'quick',
  async run(ctx) {
    await ctx.reporter.log('quick run');
  },
});
