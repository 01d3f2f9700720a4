// Ingest benchmark: a handler that succeeds at once, so the figure is the service's own cost per delivery.
import { defineHandler } from '../../src/index.js';

export default defineHandler({
  action: 'bench_succeed',
  async run() {
    // returning without finalizing is SUCCESS
  },
});
