// The example resumable handler's own test: a plain run, and runs cut at a step and resumed, the way a
// handler author tests their own resume paths with the test kit.
import { describe, expect, it } from '@jest/globals';
import { runHandler } from '../src/testing/index.js';
import handler from './provision_environment.js';

const inputs = { name: 'staging-eu', size: 'large' };
const environment = expect.objectContaining({ blueprint: 'environment', identifier: 'staging-eu', properties: expect.objectContaining({ databaseHost: 'staging-eu.db.internal' }) });

describe('provision_environment', () => {
  it('when run once, then the database is logged, the environment is tied to the run and the run succeeds', async () => {
    const run = await runHandler(handler, { inputs });
    expect(run.status).toBe('SUCCESS');
    expect(run.statusLabel).toBe('environment staging-eu is ready');
    expect(run.logs).toEqual(['provisioning staging-eu (large)', 'database ready at staging-eu.db.internal']);
    expect(run.links).toEqual(['https://console.example.com/environments/staging-eu']);
    expect(run.entities).toEqual([environment]);
    expect(run.resumes).toBe(0);
  });

  it('when interrupted after the database step ran but before it was journaled, then the resume runs it again and Port shows every line once', async () => {
    const run = await runHandler(handler, { inputs, interrupt: { atStep: 'create-database' } });
    expect(run.status).toBe('SUCCESS');
    expect(run.resumes).toBe(1);
    expect(run.logs).toEqual(['provisioning staging-eu (large)', 'database ready at staging-eu.db.internal', 'resumed after a crash: 0 steps already done']);
    expect(run.entities).toEqual([environment]);
  });

  it('when interrupted after the entity was written, then the resume skips the database step and writes the entity to the run once', async () => {
    const run = await runHandler(handler, { inputs, interrupt: { atStep: 'register-environment' } });
    expect(run.status).toBe('SUCCESS');
    expect(run.logs).toEqual(['provisioning staging-eu (large)', 'database ready at staging-eu.db.internal', 'resumed after a crash: 1 steps already done']);
    // Port's answer to the write was journaled: the resumed step does not send it again.
    expect(run.run.entities.filter((t) => t.identifier === 'staging-eu')).toHaveLength(1);
    expect(run.entities).toEqual([environment]);
  });

  it('when interrupted before the entity step starts, then the resume runs it once', async () => {
    const run = await runHandler(handler, { inputs, interrupt: { atStep: 'register-environment', when: 'before' } });
    expect(run.status).toBe('SUCCESS');
    expect(run.run.entities.filter((t) => t.identifier === 'staging-eu')).toHaveLength(1);
  });
});
