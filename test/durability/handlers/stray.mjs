// A careless handler: a promise it never awaits rejects, and a timer of its own throws.
import { defineHandler } from '../../../dist/src/index.js';

export default defineHandler({
  action: 'stray',
  async run(ctx) {
    void Promise.reject(new Error('nobody awaited me'));
    setTimeout(() => {
      throw new Error('thrown from a timer');
    }, 10);
    await new Promise((r) => setTimeout(r, 50));
    await ctx.reporter.log('still here');
  },
});
