// Memory benchmark and the ingest-only figure: a run waits here until the benchmark opens the gate, so
// accepted runs stay queued (and cost the service nothing but memory meanwhile).
import { defineHandler } from '../../src/index.js';
import { waitForGate } from '../lib/gate.js';

export default defineHandler({
  action: 'bench_park',
  async run(ctx) {
    await waitForGate(ctx.signal);
  },
});
