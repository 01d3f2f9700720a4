import { describe, expect, it } from '@jest/globals';
import { entityWriteProblem } from '../../src/reporter/validateEntity.js';

describe('entityWriteProblem', () => {
  it('when identifiers follow Port\'s pattern (letters of any script, digits, @_.+:\\/=-), then there is no problem', () => {
    for (const identifier of ['my_service', 'café', 'a.b', 'team/x=1', 'x'.repeat(1000)]) {
      expect(entityWriteProblem({ kind: 'entity.create', blueprint: 'svc', entity: { identifier }, query: {} })).toBeNull();
    }
  });

  it.each([
    ['a space', 'my service', /characters Port does not allow/],
    ['an emoji', 'r_🙂', /characters Port does not allow/],
    ['a lone dot', '.', /characters Port does not allow/],
    ['an empty string', '', /non-empty string/],
    ['a number', 42, /non-empty string/],
    ['1001 characters', 'x'.repeat(1001), /longer than 1000/],
  ])('when the identifier is %s, then the problem names it', (_what, identifier, message) => {
    expect(entityWriteProblem({ kind: 'entity.create', blueprint: 'svc', entity: { identifier: identifier as string }, query: {} })).toMatch(message);
  });

  it('when an update uses a property key Port refuses in PATCH, then the problem names the key', () => {
    expect(entityWriteProblem({ kind: 'entity.update', blueprint: 'svc', identifier: 'a', entity: { properties: { 'bad key': 1 } }, query: {} })).toMatch(/"bad key"/);
  });

  it('when one bulk entity is invalid, then the problem names its index', () => {
    expect(entityWriteProblem({ kind: 'entity.bulk', blueprint: 'svc', entities: [{ identifier: 'ok' }, { identifier: 'no good' }], query: {} })).toMatch(/entities\[1\]/);
  });
});
