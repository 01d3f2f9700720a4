// The catalog: entities per blueprint with Port's create / upsert / merge / replace / update / delete
// semantics. Blueprints are created on first write (the simulator has no data model to enforce).
import type { Clock } from '../clock.js';
import { portId } from './runs.js';
import { SimError, notFound } from './simError.js';
import type { EntityTie, SimEntity } from './types.js';

type Body = Record<string, unknown>;

export interface EntityWriteResult {
  entity: SimEntity;
  created: boolean;
  operation: EntityTie['operation'];
}

const FIELDS = ['title', 'icon', 'team'] as const;

/** The entity as Port's responses carry it: their schemas list only these keys. */
export function entityView(e: SimEntity): Record<string, unknown> {
  const out: Record<string, unknown> = { identifier: e.identifier };
  for (const f of FIELDS) if (e[f] !== undefined && e[f] !== null) out[f] = e[f];
  out.properties = e.properties;
  out.relations = e.relations;
  return out;
}

export class SimEntities {
  private readonly blueprints = new Map<string, Map<string, SimEntity>>();

  constructor(
    private readonly clock: Clock,
    /** Port answers 404 when a relation names an entity that does not exist (unless create_missing_related_entities). */
    private readonly checkRelations: boolean,
  ) {}

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private bp(blueprint: string, create: boolean): Map<string, SimEntity> | undefined {
    let m = this.blueprints.get(blueprint);
    if (!m && create) this.blueprints.set(blueprint, (m = new Map()));
    return m;
  }

  find(blueprint: string, identifier: string): SimEntity | undefined {
    return this.blueprints.get(blueprint)?.get(identifier);
  }

  get(blueprint: string, identifier: string): SimEntity {
    const e = this.find(blueprint, identifier);
    if (!e) throw notFound(`Entity with identifier "${identifier}" in blueprint "${blueprint}"`);
    return e;
  }

  all(): SimEntity[] {
    return [...this.blueprints.values()].flatMap((m) => [...m.values()]);
  }

  /** Tests put catalog entities in place (relation targets, day-2 subjects). */
  seed(blueprint: string, body: Body & { identifier: string }): SimEntity {
    return this.create(blueprint, body, { upsert: true, merge: false, createMissing: true }).entity;
  }

  private existsAnywhere(identifier: string): boolean {
    for (const m of this.blueprints.values()) if (m.has(identifier)) return true;
    return false;
  }

  private checkRelationTargets(relations: unknown, createMissing: boolean): void {
    if (!this.checkRelations || createMissing || !relations || typeof relations !== 'object') return;
    for (const [rel, target] of Object.entries(relations)) {
      const ids = typeof target === 'string' ? [target] : Array.isArray(target) ? target.filter((t) => typeof t === 'string') : [];
      for (const id of ids) {
        if (!this.existsAnywhere(id)) throw notFound(`Related entity "${id}" (relation "${rel}")`);
      }
    }
  }

  private fill(target: SimEntity, body: Body, replace: boolean): void {
    for (const f of FIELDS) {
      if (body[f] !== undefined) target[f] = body[f] === null ? undefined : (body[f] as never);
      else if (replace) delete target[f];
    }
    const props = (body.properties ?? undefined) as Body | undefined;
    const rels = (body.relations ?? undefined) as Body | undefined;
    target.properties = replace ? { ...(props ?? {}) } : { ...target.properties, ...(props ?? {}) };
    target.relations = replace ? { ...(rels ?? {}) } : { ...target.relations, ...(rels ?? {}) };
    target.updatedAt = this.iso();
  }

  private fresh(blueprint: string, identifier: string): SimEntity {
    const at = this.iso();
    return { identifier, blueprint, properties: {}, relations: {}, createdAt: at, updatedAt: at };
  }

  /** POST .../entities: create; with upsert replace; with upsert+merge update only the given fields. */
  create(blueprint: string, body: Body, q: { upsert: boolean; merge: boolean; createMissing: boolean }): EntityWriteResult {
    if (body.identifier !== undefined && typeof body.identifier !== 'string') {
      throw new SimError(422, 'not_simulated', 'The simulator does not resolve search-query identifiers; send a string identifier');
    }
    const identifier = (body.identifier as string | undefined) ?? portId('e_');
    this.checkRelationTargets(body.relations, q.createMissing);
    const existing = this.find(blueprint, identifier);
    if (existing && !q.upsert) {
      throw new SimError(409, 'conflict', `Entity with identifier "${identifier}" already exists in blueprint "${blueprint}"`);
    }
    if (existing) {
      this.fill(existing, body, !q.merge);
      return { entity: existing, created: false, operation: q.merge ? 'merge' : 'upsert' };
    }
    const e = this.fresh(blueprint, identifier);
    this.fill(e, body, true);
    this.bp(blueprint, true)!.set(identifier, e);
    return { entity: e, created: true, operation: q.upsert ? (q.merge ? 'merge' : 'upsert') : 'create' };
  }

  /** PUT: full replace of an existing entity. */
  replace(blueprint: string, identifier: string, body: Body, createMissing: boolean): EntityWriteResult {
    const e = this.get(blueprint, identifier);
    this.checkRelationTargets(body.relations, createMissing);
    this.fill(e, body, true);
    return { entity: e, created: false, operation: 'replace' };
  }

  /** PATCH: only the given fields; properties and relations merge key by key. */
  update(blueprint: string, identifier: string, body: Body, createMissing: boolean): EntityWriteResult {
    const e = this.get(blueprint, identifier);
    this.checkRelationTargets(body.relations, createMissing);
    this.fill(e, body, false);
    return { entity: e, created: false, operation: 'update' };
  }

  remove(blueprint: string, identifier: string, deleteDependents: boolean): void {
    this.get(blueprint, identifier);
    this.blueprints.get(blueprint)!.delete(identifier);
    if (!deleteDependents) return;
    for (const e of this.all()) {
      const pointsAtIt = Object.values(e.relations).some((t) => t === identifier || (Array.isArray(t) && t.includes(identifier)));
      if (pointsAtIt) this.remove(e.blueprint, e.identifier, true);
    }
  }

  clear(): void {
    this.blueprints.clear();
  }
}
