// Port's entity search rules over the simulated catalog: `{combinator, rules}` with property rules
// (`$identifier`, `$title`, `$blueprint`, `$team`, … or a property) and nested queries. Relation rules
// and user-context values are not simulated: they answer 422 not_simulated rather than a wrong result.
import type { SearchQuery, SearchRule } from '../port/types.js';
import { SimError } from './simError.js';
import type { SimEntity } from './types.js';

const META: Record<string, (e: SimEntity) => unknown> = {
  $identifier: (e) => e.identifier,
  $title: (e) => e.title,
  $blueprint: (e) => e.blueprint,
  $team: (e) => e.team,
  $icon: (e) => e.icon,
  $createdAt: (e) => e.createdAt,
  $updatedAt: (e) => e.updatedAt,
};

const notSimulated = (what: string) => new SimError(422, 'not_simulated', `The simulator does not evaluate ${what} in searches`);

function valueOf(e: SimEntity, property: unknown): unknown {
  if (typeof property !== 'string') throw notSimulated('user-context properties');
  if (property in META) return META[property](e);
  return e.properties[property] ?? e.relations[property];
}

const empty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
const cmp = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)));

function matchesRule(e: SimEntity, rule: SearchRule): boolean {
  if ('combinator' in rule && Array.isArray((rule as SearchQuery).rules)) return matches(e, rule as SearchQuery);
  const r = rule as { property?: unknown; operator: string; value?: unknown };
  if (r.value && typeof r.value === 'object' && !Array.isArray(r.value)) throw notSimulated('object values (dates ranges, user context)');
  if (r.operator === 'relatedTo') throw notSimulated('relatedTo rules');
  const v = valueOf(e, r.property);
  switch (r.operator) {
    case '=':
      return Array.isArray(v) ? v.includes(r.value) : v === r.value;
    case '!=':
      return Array.isArray(v) ? !v.includes(r.value) : v !== r.value;
    case 'in':
      return asList(v).some((x) => asList(r.value).includes(x));
    case 'notIn':
      return !asList(v).some((x) => asList(r.value).includes(x));
    case 'contains':
      return typeof v === 'string' ? v.includes(String(r.value)) : Array.isArray(v) && v.includes(r.value);
    case 'doesNotContains':
      return !(typeof v === 'string' ? v.includes(String(r.value)) : Array.isArray(v) && v.includes(r.value));
    case 'containsAny':
      return asList(r.value).some((x) => (typeof v === 'string' ? v.includes(String(x)) : asList(v).includes(x)));
    case 'beginsWith':
      return typeof v === 'string' && v.startsWith(String(r.value));
    case 'doesNotBeginsWith':
      return !(typeof v === 'string' && v.startsWith(String(r.value)));
    case 'endsWith':
      return typeof v === 'string' && v.endsWith(String(r.value));
    case 'doesNotEndsWith':
      return !(typeof v === 'string' && v.endsWith(String(r.value)));
    case 'isEmpty':
      return empty(v);
    case 'isNotEmpty':
      return !empty(v);
    case '>':
      return v !== undefined && cmp(v, r.value) > 0;
    case '>=':
      return v !== undefined && cmp(v, r.value) >= 0;
    case '<':
      return v !== undefined && cmp(v, r.value) < 0;
    case '<=':
      return v !== undefined && cmp(v, r.value) <= 0;
    default:
      throw notSimulated(`the "${r.operator}" operator`);
  }
}

export function matches(e: SimEntity, query: SearchQuery): boolean {
  const results = query.rules.map((rule) => matchesRule(e, rule));
  return query.combinator === 'or' ? results.some(Boolean) : results.every(Boolean);
}
