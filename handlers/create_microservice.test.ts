// The example handler's own test, written the way a handler author would: with the test kit.
import { describe, expect, it } from '@jest/globals';
import { runHandler } from '../src/testing/index.js';
import handler from './create_microservice.js';

describe('create_microservice', () => {
  it('when run with a name and region, then the entity is tied to the run, logged, and the run succeeds', async () => {
    const run = await runHandler(handler, { inputs: { name: 'my service', region: 'eu-west-1' } });

    expect(run.status).toBe('SUCCESS');
    expect(run.statusLabel).toBe('Completed successfully!');
    expect(run.logs).toEqual(['new entity: my_service']);
    expect(run.entities).toEqual([
      expect.objectContaining({ blueprint: 'microservice', identifier: 'my_service', title: 'my service', properties: { region: 'eu-west-1' } }),
    ]);
  });

  it('when the region is missing, then the run fails naming the field and nothing is written', async () => {
    const run = await runHandler(handler, { inputs: { name: 'x' } });

    expect(run.status).toBe('FAILURE');
    expect(run.statusLabel).toMatch(/^invalid inputs: .*region/);
    expect(run.entities).toEqual([]);
  });
});
