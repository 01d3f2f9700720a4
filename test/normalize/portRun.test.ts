import { describe, expect, it } from '@jest/globals';
import type { Invocation } from '../../src/normalize/invocation.js';
import { withPortRun } from '../../src/normalize/portRun.js';

const invocation = (over: Partial<Invocation> = {}): Invocation => ({
  runId: 'r_1',
  action: null,
  blueprint: null,
  inputs: {},
  entity: null,
  trigger: null,
  payload: {},
  ...over,
});

describe('withPortRun', () => {
  it('when the body named no action, then Port\'s action and blueprint fill it in', () => {
    expect(withPortRun(invocation(), { action: 'svc_deploy', blueprint: 'svc', status: 'SUCCESS' })).toMatchObject({ action: 'svc_deploy', blueprint: 'svc' });
  });

  it('when the delivery named a blueprint, then it is kept over Port\'s', () => {
    expect(withPortRun(invocation({ action: 'a', blueprint: 'mine' }), { action: 'a', blueprint: 'port' }).blueprint).toBe('mine');
  });

  it('when Port\'s run is of another action, then it is unknown_run naming both', () => {
    expect(() => withPortRun(invocation({ action: 'delete_repo' }), { action: 'create_repo', blueprint: null, status: 'IN_PROGRESS' })).toThrow(
      expect.objectContaining({ code: 'unknown_run', message: "Port's run r_1 is of action 'create_repo', not 'delete_repo'" }),
    );
  });

  it.each(['SUCCESS', 'FAILURE', undefined])('when the run id came from the header and Port says the run is %s, then it is unknown_run', (status) => {
    expect(() => withPortRun(invocation({ action: 'a', runIdFromHeader: true }), { action: 'a', blueprint: null, status })).toThrow(
      expect.objectContaining({ code: 'unknown_run', message: expect.stringContaining('not IN_PROGRESS') }),
    );
  });

  it('when the run id came from the header and Port\'s run is IN_PROGRESS with the same action, then it is accepted', () => {
    expect(withPortRun(invocation({ action: 'a', runIdFromHeader: true }), { action: 'a', blueprint: 'b', status: 'IN_PROGRESS' })).toMatchObject({ action: 'a', blueprint: 'b', runIdFromHeader: true });
  });

  it('when the run id is signed, then a finished run is not refused here (the journal dedupes it)', () => {
    expect(withPortRun(invocation({ action: 'a' }), { action: 'a', blueprint: null, status: 'SUCCESS' }).action).toBe('a');
  });
});
