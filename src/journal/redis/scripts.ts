// The store's multi-key steps as Lua scripts: Redis runs each one atomically, so the duplicate check and
// the journal entry, a final status and its delivery, or a fence check and the write it guards can never
// be separated by another replica's command or by a crash.
//
// Keys (P = REDIS_PREFIX): P:run:<id> hash (the run record, also the dedupe record: it expires
// DEDUPE_TTL_HOURS after the run finished); P:idx:queued / P:idx:running zsets (score: time);
// P:ops:<id> hash (undelivered ops by seq, their attempts and client op ids); P:pend:<id> zset (pending
// seqs); P:pend-runs zset (runs with pending ops, by first seq); P:seq, P:pend-count counters;
// P:olease:<id> (outbox lease). The step journal (redisStepJournal.ts): P:steps:<id> hash (finished
// steps), P:calls:<id> hash (reported call ids, Port's answers, the last link list), P:resumes:<id> hash.
// The step journal's keys expire with the run record: recordFinal gives them its TTL, and a write after
// that (an entity write's answer arriving while the outbox drains) takes the run record's remaining TTL.

/** A fence check: an empty fence means "no owner check" (recovery writing for a run nobody executes). */
const FENCE = `
local function fenced(runKey, fence)
  if fence == '' then return false end
  return redis.call('HGET', runKey, 'owner') ~= fence
end
`;

/**
 * Gives a step-journal key the run record's expiry: none while the run is unfinished, the rest of its
 * TTL once it finished, and `fallbackSeconds` when the record is gone (never a key that outlives it).
 */
export const FOLLOW_RUN_TTL = `
local function followRun(runKey, key, fallbackSeconds)
  local ttl = redis.call('PTTL', runKey)
  if ttl >= 0 then redis.call('PEXPIRE', key, math.max(ttl, 1))
  elseif ttl == -1 then redis.call('PERSIST', key)
  else redis.call('EXPIRE', key, tonumber(fallbackSeconds)) end
end
`;

/**
 * Appends one op; returns its seq. Idempotent per client op id (a command resent after a reconnect).
 * The op's call id and the link list it sends are journaled in the same script: once the op is in the
 * outbox, the step journal knows it was reported, even after the delivered op is dropped.
 */
const APPEND = `${FOLLOW_RUN_TTL}
local function append(runKey, opsKey, pendKey, pendRunsKey, seqKey, countKey, callsKey, runId, cid, opJson, createdAt, logMessage, callId, linksJson, ttlSeconds)
  local known = redis.call('HGET', opsKey, 'cid:' .. cid)
  if known then return tonumber(known) end
  local seq = redis.call('INCR', seqKey)
  redis.call('HSET', opsKey, tostring(seq), opJson, 't:' .. seq, createdAt, 'cid:' .. cid, seq)
  redis.call('ZADD', pendKey, seq, tostring(seq))
  redis.call('ZADD', pendRunsKey, 'NX', seq, runId)
  redis.call('INCR', countKey)
  if logMessage ~= '' then redis.call('HSET', runKey, 'lastLog', logMessage) end
  if callId ~= '' or linksJson ~= '' then
    if callId ~= '' then redis.call('HSET', callsKey, 'c:' .. callId, '1') end
    if linksJson ~= '' then redis.call('HSET', callsKey, 'links', linksJson) end
    followRun(runKey, callsKey, ttlSeconds)
  end
  return seq
end
`;

export const SCRIPTS = {
  /**
   * KEYS run, idxQueued, idxRunning · ARGV runId, action, invocation, sync, now, maxQueued, start ('1': journal
   * it running, as claim does), owner → 1 accepted, 0 duplicate, -1 full
   */
  accept: {
    numberOfKeys: 3,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local max = tonumber(ARGV[6])
if max > 0 and redis.call('ZCARD', KEYS[2]) >= max then return -1 end
redis.call('HSET', KEYS[1], 'action', ARGV[2], 'invocation', ARGV[3], 'sync', ARGV[4], 'acceptedAt', ARGV[5])
if ARGV[7] == '1' then
  redis.call('HSET', KEYS[1], 'state', 'running', 'startedAt', ARGV[5], 'owner', ARGV[8])
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
else
  redis.call('HSET', KEYS[1], 'state', 'queued')
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
end
return 1`,
  },
  /** KEYS run, idxQueued, idxRunning · ARGV runId, fence, now → started | interrupted | finished | missing */
  claim: {
    numberOfKeys: 3,
    lua: `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state == 'finished' then return 'finished' end
-- The same owner claiming again is this claim resent after a reconnect (its first answer was lost):
-- still 'started', not an interruption of a run that never ran.
if state == 'running' and ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'owner') == ARGV[2] then return 'started' end
local verdict = 'started'
if state == 'running' then
  verdict = 'interrupted'
  redis.call('HINCRBY', KEYS[1], 'interruptions', 1)
else
  redis.call('HSET', KEYS[1], 'startedAt', ARGV[3])
end
redis.call('HSET', KEYS[1], 'state', 'running', 'owner', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return verdict`,
  },
  /**
   * KEYS run, ops, pend, pendRuns, seq, count, calls
   * ARGV runId, fence, cid, opJson, now, logMessage, callId ('' none), linksJson ('' none), ttlSeconds
   * → seq, or error FENCED
   */
  append: {
    numberOfKeys: 7,
    lua: `${FENCE}${APPEND}
if fenced(KEYS[1], ARGV[2]) then return redis.error_reply('FENCED') end
return append(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])`,
  },
  /**
   * KEYS run, ops, pend, pendRuns, seq, count, calls, idxQueued, idxRunning, steps, resumes
   * ARGV runId, fence, cid, status, label, now, opJson ('' = nothing to deliver), ttlSeconds, callId ('' none), linksJson ('' none)
   * → 1 recorded, 0 already finished, or error FENCED
   */
  recordFinal: {
    numberOfKeys: 11,
    lua: `${FENCE}${APPEND}
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'finished' then
  if redis.call('HGET', KEYS[1], 'finalCid') == ARGV[3] then return 1 end
  return 0
end
if fenced(KEYS[1], ARGV[2]) then return redis.error_reply('FENCED') end
redis.call('HSET', KEYS[1], 'state', 'finished', 'finishedAt', ARGV[6], 'finalStatus', ARGV[4], 'finalCid', ARGV[3])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'finalLabel', string.sub(ARGV[5], 2)) end
redis.call('ZREM', KEYS[8], ARGV[1])
redis.call('ZREM', KEYS[9], ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[8]))
if ARGV[7] ~= '' then append(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], ARGV[1], ARGV[3], ARGV[7], ARGV[6], '', ARGV[9], ARGV[10], ARGV[8]) end
-- The run's step journal is kept exactly as long as its record (a no-op for keys it never wrote).
redis.call('EXPIRE', KEYS[7], tonumber(ARGV[8]))
redis.call('EXPIRE', KEYS[10], tonumber(ARGV[8]))
redis.call('EXPIRE', KEYS[11], tonumber(ARGV[8]))
return 1`,
  },
  /** KEYS run · ARGV resultJson → 1 stored, 0 no such run */
  setResult: {
    numberOfKeys: 1,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'result', ARGV[1])
return 1`,
  },
  /** KEYS ops, pend, pendRuns, count · ARGV runId, seq... → how many were pending */
  complete: {
    numberOfKeys: 4,
    lua: `
local n = 0
for i = 2, #ARGV do
  if redis.call('ZREM', KEYS[2], ARGV[i]) == 1 then
    n = n + 1
    redis.call('HDEL', KEYS[1], ARGV[i], 't:' .. ARGV[i], 'a:' .. ARGV[i])
  end
end
if n > 0 then redis.call('DECRBY', KEYS[4], n) end
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('DEL', KEYS[1])
end
return n`,
  },
  /** KEYS lease · ARGV holder, ttlMs → 1 held by holder (taken or renewed), 0 held by another */
  lease: {
    numberOfKeys: 1,
    lua: `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`,
  },
  /** KEYS lease · ARGV holder */
  release: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`,
  },
} as const;

export type ScriptName = keyof typeof SCRIPTS;
