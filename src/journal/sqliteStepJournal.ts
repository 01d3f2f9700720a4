// The step journal in the run journal's SQLite file. Which reports were already made is read from the
// outbox itself: a resumable run's ops carry the id of the call that made them (`callId`), journaled in
// the same write as the op, so "reported" and "journaled" can never disagree after a crash.
import type Database from 'better-sqlite3';
import type { ReportedCalls, ResumeState, StepJournal } from './stepJournal.js';

/** Tables of the step journal (created by the journal's migration to schema 3). */
export const STEP_SCHEMA = `
CREATE TABLE IF NOT EXISTS run_steps (
  run_id TEXT NOT NULL,
  key TEXT NOT NULL,
  result TEXT,
  finished_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS run_answers (
  run_id TEXT NOT NULL,
  call_id TEXT NOT NULL,
  answer TEXT NOT NULL,
  PRIMARY KEY (run_id, call_id)
);
CREATE TABLE IF NOT EXISTS run_resumes (
  run_id TEXT PRIMARY KEY,
  resumes INTEGER NOT NULL DEFAULT 0,
  first_started_at INTEGER,
  paused_at INTEGER
);
-- A run's steps follow the run: dropped with its payload (retention) or when the run is forgotten.
CREATE TRIGGER IF NOT EXISTS run_steps_compacted AFTER UPDATE OF compacted_at ON runs WHEN new.compacted_at IS NOT NULL
BEGIN
  DELETE FROM run_steps WHERE run_id = new.run_id;
  DELETE FROM run_answers WHERE run_id = new.run_id;
END;
CREATE TRIGGER IF NOT EXISTS run_steps_forgotten AFTER DELETE ON runs
BEGIN
  DELETE FROM run_steps WHERE run_id = old.run_id;
  DELETE FROM run_answers WHERE run_id = old.run_id;
  DELETE FROM run_resumes WHERE run_id = old.run_id;
END;
`;

export function openSqliteStepJournal(db: Database.Database): StepJournal {
  const q = {
    steps: db.prepare<[string], { key: string; result: string | null }>(`SELECT key, result FROM run_steps WHERE run_id = ?`),
    record: db.prepare(`INSERT OR IGNORE INTO run_steps (run_id, key, result, finished_at) VALUES (?, ?, ?, ?)`),
    calls: db.prepare<[string], { call_id: string; answer: string | null }>(
      `SELECT json_extract(o.op, '$.callId') AS call_id, a.answer AS answer FROM outbox o
         LEFT JOIN run_answers a ON a.run_id = o.run_id AND a.call_id = json_extract(o.op, '$.callId')
        WHERE o.run_id = ? AND json_extract(o.op, '$.callId') IS NOT NULL`,
    ),
    links: db.prepare<[string], { link: string }>(
      `SELECT json_extract(op, '$.body.link') AS link FROM outbox
        WHERE run_id = ? AND kind = 'patch' AND json_extract(op, '$.body.link') IS NOT NULL ORDER BY seq DESC LIMIT 1`,
    ),
    answer: db.prepare(`INSERT OR REPLACE INTO run_answers (run_id, call_id, answer) VALUES (?, ?, ?)`),
    state: db.prepare<[string], { resumes: number; first_started_at: number | null; paused_at: number | null }>(
      `SELECT resumes, first_started_at, paused_at FROM run_resumes WHERE run_id = ?`,
    ),
    resume: db.prepare(
      `INSERT INTO run_resumes (run_id, resumes, first_started_at) VALUES (?, 1, ?)
       ON CONFLICT (run_id) DO UPDATE SET resumes = resumes + 1, paused_at = NULL,
         first_started_at = COALESCE(first_started_at, excluded.first_started_at)`,
    ),
    pause: db.prepare(
      `INSERT INTO run_resumes (run_id, paused_at) VALUES (?, ?) ON CONFLICT (run_id) DO UPDATE SET paused_at = excluded.paused_at`,
    ),
  };
  return {
    async finishedSteps(runId) {
      return new Map(q.steps.all(runId).map((r) => [r.key, r.result]));
    },
    async recordStep(runId, key, resultJson, now) {
      q.record.run(runId, key, resultJson, now);
    },
    async reportedCalls(runId): Promise<ReportedCalls> {
      const answers = new Map<string, { answer?: unknown }>();
      for (const r of q.calls.all(runId)) answers.set(r.call_id, r.answer === null ? {} : { answer: JSON.parse(r.answer) as unknown });
      const row = q.links.get(runId);
      return { answers, links: row ? (JSON.parse(row.link) as string[]) : [] };
    },
    async recordAnswer(runId, callId, answerJson) {
      q.answer.run(runId, callId, answerJson);
    },
    async resumeState(runId): Promise<ResumeState> {
      const row = q.state.get(runId);
      return { resumes: row?.resumes ?? 0, firstStartedAt: row?.first_started_at ?? null, paused: row?.paused_at != null };
    },
    async noteResume(runId, firstStartedAt) {
      q.resume.run(runId, firstStartedAt);
      return q.state.get(runId)!.resumes;
    },
    async notePaused(runId, now) {
      q.pause.run(runId, now);
    },
  };
}
