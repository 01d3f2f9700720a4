// Busy before its first await: proves the 202 does not wait for handler code.
import { defineHandler } from '../../../src/index.js';

export default defineHandler({
  action: 'e2e_busy',
  async run(ctx) {
    ctx.log.info('handler started');
    const until = Date.now() + 200;
    while (Date.now() < until) {
      // burn the event loop, as a careless handler might
    }
  },
});
