// A run as Port's API answers it. v2 follows the response schema (which has no null endedAt/summary);
// v1 (the default when `version` is omitted, as in Port's docs) has `action` as a plain string.
import type { SimRun, SimRunLog } from './types.js';

const ACTOR = 'sim-machine';

export function runViewV2(run: SimRun): Record<string, unknown> {
  const v: Record<string, unknown> = {
    id: run.id,
    status: run.status,
    statusLabel: run.statusLabel,
    action: { identifier: run.action.identifier, title: run.action.title },
    properties: run.properties,
    source: run.source,
    requiredApproval: false,
    approval: null,
    createdBy: ACTOR,
    updatedBy: ACTOR,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
  };
  if (run.blueprint) v.blueprint = { ...run.blueprint };
  if (run.entity) v.entity = { ...run.entity };
  if (run.link !== null) v.link = run.link;
  if (run.summary !== null) v.summary = run.summary;
  if (run.externalRunId !== null) v.externalRunId = run.externalRunId;
  if (run.endedAt !== null) v.endedAt = run.endedAt;
  if (run.payload) v.payload = run.payload;
  if (run.response !== null && run.response !== undefined) v.response = run.response;
  return v;
}

export function runViewV1(run: SimRun): Record<string, unknown> {
  return {
    id: run.id,
    status: run.status,
    statusLabel: run.statusLabel,
    link: run.link ?? [],
    summary: run.summary,
    externalRunId: run.externalRunId,
    blueprint: run.blueprint ? { identifier: run.blueprint.identifier, title: null } : null,
    entity: run.entity?.identifier ?? null,
    action: run.action.identifier,
    endedAt: run.endedAt,
    source: run.source,
    relatedEntityExists: run.entity !== null,
    relatedBlueprintExists: run.blueprint !== null,
    properties: run.properties,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    createdBy: ACTOR,
    updatedBy: ACTOR,
  };
}

export function runView(run: SimRun, version: unknown): Record<string, unknown> {
  return version === 'v2' ? runViewV2(run) : runViewV1(run);
}

export function runLogView(log: SimRunLog): Record<string, unknown> {
  return { id: log.id, runId: log.runId, message: log.message, createdBy: log.createdBy, createdAt: log.createdAt };
}
