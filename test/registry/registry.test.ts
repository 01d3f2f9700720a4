import { describe, expect, it } from '@jest/globals';
import { defineHandler } from '../../src/registry/defineHandler.js';
import { createRegistry, prefixCandidates } from '../../src/registry/registry.js';

const h = (action: string | string[]) => defineHandler({ action, async run() {} });

describe('createRegistry', () => {
  const deploy = h('deploy');
  const createService = h('create_service');
  const scale = h(['scale_up', 'scale_down']);
  const registry = createRegistry([deploy, createService, scale]);

  it.each([
    // [delivered action, delivery blueprint, expected registered id or null]
    ['deploy', null, 'deploy'],
    ['create_service', null, 'create_service'],
    ['service_deploy', 'service', 'deploy'],
    ['service_create_service', 'service', 'create_service'],
    ['microservice_deploy', null, 'deploy'],
    ['my_blueprint_create_service', null, 'create_service'],
    ['vm_scale_down', 'vm', 'scale_down'],
    ['other_deploy', 'service', 'deploy'], // the blueprint does not prefix the id: suffixes are tried
    ['service_unknown', 'service', null],
    ['service_undeploy', 'service', null],
    ['deploy_', null, null],
    ['nothing', null, null],
  ])('when %s (blueprint %s) is delivered, then it resolves to %s', (action, blueprint, expected) => {
    const resolved = registry.resolve(action, blueprint);
    expect(resolved?.action ?? null).toBe(expected);
    if (expected) expect(resolved?.handler).toBe(registry.get(expected));
  });

  it('when an exact id exists beside a prefixed match, then the exact id wins', () => {
    const exact = h('service_deploy');
    const reg = createRegistry([deploy, exact]);
    expect(reg.resolve('service_deploy', 'service')?.handler).toBe(exact);
  });

  it('when the blueprint prefix applies but the stripped id is unknown, then shorter suffixes are not tried', () => {
    const reg = createRegistry([h('prod')]);
    expect(reg.resolve('service_deploy_prod', 'service')).toBeNull();
    expect(reg.resolve('service_deploy_prod', null)?.action).toBe('prod');
  });

  it('when suffixes are tried, then the longest comes first', () => {
    expect(prefixCandidates('a_b_c', null)).toEqual(['b_c', 'c']);
    const reg = createRegistry([h('c'), h('b_c')]);
    expect(reg.resolve('a_b_c', null)?.action).toBe('b_c');
  });

  it('when listing actions, then every id of every handler is there, sorted', () => {
    expect(registry.actions()).toEqual(['create_service', 'deploy', 'scale_down', 'scale_up']);
  });

  it('when two handlers declare one action, then handler_load_failed names the action', () => {
    expect(() => createRegistry([deploy, h(['x', 'deploy'])])).toThrow(expect.objectContaining({
      code: 'handler_load_failed',
      message: expect.stringContaining("'deploy'"),
    }));
  });
});
