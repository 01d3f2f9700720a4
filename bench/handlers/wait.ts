// Scale benchmark: a run that waits 200 ms (a handler busy on something else, e.g. a slow API), so runs
// per second measure how many runs the workers keep in flight, not the CPU cost of one run.
import { defineHandler } from '../../src/index.js';

export default defineHandler({
  action: 'bench_wait',
  async run(ctx) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 200);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  },
});
