import { describe, expect, it } from '@jest/globals';
import { defineHandler } from '../../src/registry/defineHandler.js';
import { createRegistry, stripBlueprintPrefix } from '../../src/registry/registry.js';

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
    ['microservice_deploy', null, null], // no blueprint: never guessed from the suffix
    ['my_blueprint_create_service', null, null],
    ['my_blueprint_create_service', 'my_blueprint', 'create_service'],
    ['vm_scale_down', 'vm', 'scale_down'],
    ['other_deploy', 'service', null], // the blueprint does not prefix the id: nothing is stripped
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
    expect(reg.resolve('service_deploy_prod', null)).toBeNull();
  });

  it('when dry_run_delete_repo is delivered with no handler of its own, then delete_repo is not run whatever the blueprint but dry_run', () => {
    const reg = createRegistry([h('delete_repo')]);
    expect(reg.resolve('dry_run_delete_repo', null)).toBeNull();
    expect(reg.resolve('dry_run_delete_repo', 'service')).toBeNull();
    expect(reg.resolve('dry_run_delete_repo', 'dry')).toBeNull(); // strips to run_delete_repo: no such handler
    expect(reg.resolve('dry_run_delete_repo', 'dry_run')?.action).toBe('delete_repo');
  });

  it('when the id has no exact handler, no blueprint is known and a suffix has a handler, then the blueprint is needed', () => {
    const reg = createRegistry([h('delete_repo'), h('deploy')]);
    expect(reg.needsBlueprint('dry_run_delete_repo', null)).toBe(true);
    expect(reg.needsBlueprint('dry_run_delete_repo', 'service')).toBe(false); // the delivery named it
    expect(reg.needsBlueprint('delete_repo', null)).toBe(false); // exact match
    expect(reg.needsBlueprint('dry_run_nothing', null)).toBe(false); // no suffix could match: no handler either way
    expect(reg.needsBlueprint('deploy_', null)).toBe(false);
  });

  it('when the prefix is stripped, then only the run\'s own blueprint and a non-empty rest count', () => {
    expect(stripBlueprintPrefix('a_b_c', 'a')).toBe('b_c');
    expect(stripBlueprintPrefix('a_b_c', 'a_b')).toBe('c');
    expect(stripBlueprintPrefix('a_b_c', 'b')).toBeNull();
    expect(stripBlueprintPrefix('a_', 'a')).toBeNull();
    expect(stripBlueprintPrefix('a_b', null)).toBeNull();
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
