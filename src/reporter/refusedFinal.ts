// What to do when Port answers 409 or 422 to a final status. Neither proves the run is finished: a 422 is
// also "this body does not match the schema" and a proxy can answer 409. Port's own view decides: a GET of
// the run showing it terminal means the final status is in place; otherwise a conflict is tried again a
// few times, then falls back like a refused body and keeps trying; a refused body falls back to one Port
// accepts, so the run still ends.
import { PortApiError } from '../port/errors.js';
import type { FinalStatus, PortApi, RunPatch } from '../port/types.js';

/** A conflict with the run still open is retried (with backoff) this many times before falling back. */
export const MAX_CONFLICT_RETRIES = 5;
/** Label length of the first fallback: short and plain enough for any schema. */
export const FALLBACK_LABEL_CHARS = 80;
export const REFUSED_FINAL_LABEL = 'the final status report was refused by Port';

/** Per run: how the refusals went so far. */
export interface RefusalState {
  conflicts: number;
  fallbacks: number;
}

export type Verdict =
  /** Port shows the run terminal: the final status is in place. */
  | { kind: 'finished'; status: FinalStatus }
  /** Try the same request again later (a conflict, or Port could not be asked). */
  | { kind: 'retry' }
  /** Send this body instead. */
  | { kind: 'fallback'; body: RunPatch }
  /** Nothing left to try (the run is gone, or every fallback was refused). */
  | { kind: 'give-up'; reason: string };

/** Printable ASCII, one line, at most FALLBACK_LABEL_CHARS. */
export function shortLabel(label: string): string {
  const plain = label.replace(/[^\x20-\x7e]+/g, ' ').replace(/\s+/g, ' ').trim();
  return plain.length > FALLBACK_LABEL_CHARS ? `${plain.slice(0, FALLBACK_LABEL_CHARS - 3)}...` : plain;
}

/** The bodies to try after `sent` was refused, in order: the same status with a short label, then FAILURE. */
function fallbacks(sent: RunPatch): RunPatch[] {
  const out: RunPatch[] = [];
  const status = sent.status ?? 'FAILURE';
  const label = sent.statusLabel;
  if (label !== undefined) {
    const short = shortLabel(label);
    out.push(short === '' ? { status } : { status, statusLabel: short });
  } else if (Object.keys(sent).some((k) => k !== 'status')) {
    out.push({ status });
  }
  out.push({ status: 'FAILURE', statusLabel: REFUSED_FINAL_LABEL });
  return out.filter((b, i) => i === out.length - 1 || JSON.stringify(b) !== JSON.stringify(sent));
}

export async function judgeRefusedFinal(
  port: Pick<PortApi, 'getRun'>,
  runId: string,
  refused: PortApiError,
  sent: RunPatch,
  state: RefusalState,
  opts: { action?: string; budgetMs?: number } = {},
): Promise<Verdict> {
  let status: string;
  try {
    status = (await port.getRun(runId, { runId, ...opts })).status;
  } catch (err) {
    if (err instanceof PortApiError && !err.transient) return { kind: 'give-up', reason: `Port cannot show the run: ${err.message}` };
    return { kind: 'retry' };
  }
  if (status === 'SUCCESS' || status === 'FAILURE') return { kind: 'finished', status };
  if (refused.status === 409 && state.conflicts < MAX_CONFLICT_RETRIES) {
    state.conflicts++;
    return { kind: 'retry' };
  }
  const next = fallbacks(sent)[state.fallbacks];
  // A conflict says nothing about the body: with the run still open, the last form is tried again (with the
  // outbox's backoff) for as long as it takes, never left IN_PROGRESS. Only refused bodies run out of forms.
  if (!next && refused.status === 409) return { kind: 'retry' };
  if (!next) return { kind: 'give-up', reason: `Port refused every form of the final status (last: ${refused.message})` };
  state.fallbacks++;
  return { kind: 'fallback', body: next };
}
