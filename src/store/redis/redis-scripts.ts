import { createHash } from 'node:crypto';

/** A Lua script and its SHA1, as `EVALSHA` names it. */
export interface RedisScript {
  readonly name: string;
  readonly body: string;
  readonly sha: string;
}

function script(name: string, body: string): RedisScript {
  return { name, body, sha: createHash('sha1').update(body).digest('hex') };
}

/*
 * Every script of the Redis store. Each touches only keys of one job, which share the job's hash tag (`{job}`), so on
 * a Redis Cluster each runs on the job's slot. Each opens by naming its keys and arguments, so that no step below
 * reads `ARGV[7]`. Lua numbers are doubles: times in microseconds (about 1.8e15) stay exact below 2^53.
 */

/** The store's clock, read inside the script, so every answer carries it with no extra round trip. */
const CLOCK = `
local time = redis.call('TIME')
local nowUs = tonumber(time[1]) * 1000000 + tonumber(time[2])
local now = math.floor(nowUs / 1000)`;

/**
 * The next fencing token of the job: one more than the last, and never below the store's clock in microseconds. A
 * counter alone goes back when Redis restarts without it (no persistence, a failover that lost its last writes, an
 * expiry); the clock floor keeps the next token above every earlier one as long as the clock does not step back.
 */
const NEXT_FENCE = `
local function nextFence(fenceKey, ttlMs)
  local last = tonumber(redis.call('GET', fenceKey) or '0')
  local fence = math.max(last + 1, nowUs)
  redis.call('SET', fenceKey, string.format('%.0f', fence), 'PX', ttlMs)
  return fence
end`;

/**
 * The keys of an occurrence's progress set and retries hash, beside the ledger key (`<prefix>:{job}:ledger`) in the
 * same slot.
 */
const PROGRESS_KEY = `
local function progressKey(ledgerKey, occurrence)
  return string.sub(ledgerKey, 1, -7) .. 'progress:' .. occurrence
end
local function retriesKey(ledgerKey, occurrence)
  return string.sub(ledgerKey, 1, -7) .. 'retries:' .. occurrence
end`;

export const CLAIM = script(
  'claim',
  `
local pausedKey, occurrenceKey, leaseKey, fenceKey, ledgerKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local scheduleKey, queuedKey, cancelKey = KEYS[6], KEYS[7], KEYS[8]
local token, runId, owner = ARGV[1], ARGV[2], ARGV[3]
local occurrence, occurrenceMs = ARGV[4], tonumber(ARGV[5])
local claimUntilMs, claimMinMs = tonumber(ARGV[6]), tonumber(ARGV[7])
local leaseMs, ledgerMs = ARGV[8], ARGV[9]
local lateAtMs = tonumber(ARGV[10])
local ignorePause = ARGV[11] == '1'
local expectedVersion = tonumber(ARGV[12])
local catchup = ARGV[13] == '1'
local overlap, queued, retry = ARGV[14], ARGV[15] == '1', ARGV[16] == '1'
${CLOCK}
${NEXT_FENCE}
${PROGRESS_KEY}
-- Every answer carries the schedule's version, so an instance that missed a change corrects itself.
local schedule = redis.call('HMGET', scheduleKey, 'version', 'changedAtMs')
local version = tonumber(schedule[1] or '0')
-- A paused job claims nothing (trigger() and backfills ignore the pause).
if not ignorePause and redis.call('EXISTS', pausedKey) == 1 then return {'paused', now, version} end
-- A tick of a schedule no longer in force: the schedule changed before it came.
if expectedVersion >= 0 and expectedVersion ~= version and occurrenceMs >= tonumber(schedule[2] or '0') then
  return {'rescheduled', now, version}
end
-- Not due yet by the store's clock: this instance's clock runs ahead. It waits and asks again.
if now < occurrenceMs then return {'early', now, version, occurrenceMs - now} end
-- The lease as it is now: -2 free, -1 held without expiry, else the milliseconds it has left.
local held = redis.call('PTTL', leaseKey)
local leftMs = math.max(held, 0)
-- Takes the lease (none for 'allow') and the next fencing token; the newest occurrence also gets the ledger, and
-- moving on frees the previous occurrence's progress and retries.
local function win()
  if overlap ~= 'allow' then redis.call('SET', leaseKey, token, 'PX', leaseMs) end
  local fence = nextFence(fenceKey, ledgerMs)
  local ledger = redis.call('HMGET', ledgerKey, 'occurrence', 'occurrenceMs')
  if not retry and occurrenceMs >= tonumber(ledger[2] or '-1') then
    if ledger[1] and ledger[1] ~= occurrence then
      redis.call('UNLINK', progressKey(ledgerKey, ledger[1]), retriesKey(ledgerKey, ledger[1]))
    end
    redis.call('HSET', ledgerKey, 'occurrence', occurrence, 'occurrenceMs', occurrenceMs, 'runId', runId,
      'owner', owner, 'state', 'running', 'startedAtMs', now, 'attempt', 1, 'fencingToken', string.format('%.0f', fence))
    redis.call('PEXPIRE', ledgerKey, ledgerMs)
  end
  return {'won', now, version, fence}
end
-- A retry of an occurrence's failed tenants takes only the lease; the occurrence stays as it is.
if retry then
  if held ~= -2 then return {'overlap', now, version, leftMs} end
  return win()
end
-- The remembered occurrence (its claim is in place) is won once, by whoever asks while it is still queued.
if queued then
  if redis.call('GET', queuedKey) ~= occurrence then return {'duplicate', now, version, -1} end
  if held ~= -2 then return {'overlap', now, version, leftMs} end
  redis.call('DEL', queuedKey, cancelKey)
  return win()
end
-- Claimed already. When the ledger says this very occurrence is running, say how long its lease has left, so the
-- loser knows there is a run to watch for a crash.
if redis.call('EXISTS', occurrenceKey) == 1 then
  local ledger = redis.call('HMGET', ledgerKey, 'occurrence', 'state')
  local left = -1
  if ledger[1] == occurrence and ledger[2] == 'running' then left = leftMs end
  return {'duplicate', now, version, left}
end
-- Nobody claimed it, but its window has passed by the store's clock: this instance's clock runs behind.
if lateAtMs >= 0 and now >= lateAtMs then return {'late', now, version} end
local busy = held ~= -2 and overlap ~= 'allow'
-- A late run leaves the occurrence for later while another run holds the lease.
if busy and catchup then return {'overlap', now, version, leftMs} end
-- Claim the occurrence until its window ends, and at least the minimum.
redis.call('SET', occurrenceKey, token, 'PX', math.max(claimUntilMs - now, claimMinMs))
if busy then
  -- Another run holds the lease: the occurrence is claimed and, by the job's policy, skipped or remembered as the
  -- next (at most one), and for 'cancel-running' the running run is asked to stop at its next renewal.
  if overlap == 'skip' or redis.call('EXISTS', queuedKey) == 1 then return {'overlap', now, version, leftMs} end
  redis.call('SET', queuedKey, occurrence, 'PX', ledgerMs)
  if overlap == 'cancel-running' then redis.call('SET', cancelKey, occurrenceMs, 'PX', ledgerMs) end
  return {'queued', now, version, leftMs, overlap == 'cancel-running' and 1 or 0}
end
return win()`,
);

export const ABANDON = script(
  'abandon',
  `
local occurrenceKey, leaseKey, ledgerKey = KEYS[1], KEYS[2], KEYS[3]
local token, runId = ARGV[1], ARGV[2]
-- Free the occurrence and the lease only while they are still this caller's.
if redis.call('GET', occurrenceKey) == token then redis.call('DEL', occurrenceKey) end
if redis.call('GET', leaseKey) == token then redis.call('DEL', leaseKey) end
-- A run that never started must not look crashed: nobody may take it over.
if redis.call('HGET', ledgerKey, 'runId') == runId then redis.call('HSET', ledgerKey, 'state', 'done') end
return 1`,
);

export const TAKE_OVER = script(
  'takeOver',
  `
local pausedKey, leaseKey, fenceKey, ledgerKey, progressKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local retriesKey = KEYS[6]
local token, runId, owner, occurrence = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local leaseMs, ledgerMs = ARGV[5], ARGV[6]
${CLOCK}
${NEXT_FENCE}
if redis.call('EXISTS', pausedKey) == 1 then return {'paused', now} end
-- Nothing to take over unless the ledger still says this occurrence is running.
local ledger = redis.call('HMGET', ledgerKey, 'occurrence', 'state', 'attempt', 'runId')
if ledger[1] ~= occurrence or ledger[2] ~= 'running' then return {'gone', now} end
-- A lease still alive (or without expiry) belongs to a holder that may still be working: look again later.
local left = redis.call('PTTL', leaseKey)
if left == -1 then return {'held', now, tonumber(leaseMs)} end
if left > 0 then return {'held', now, left} end
-- Taking the lease inside the same call as the ledger check is what makes exactly one caller win.
redis.call('SET', leaseKey, token, 'PX', leaseMs)
local fence = nextFence(fenceKey, ledgerMs)
local attempt = tonumber(ledger[3] or '1') + 1
redis.call('HSET', ledgerKey, 'runId', runId, 'owner', owner, 'attempt', attempt,
  'fencingToken', string.format('%.0f', fence), 'resumedAtMs', now)
redis.call('PEXPIRE', ledgerKey, ledgerMs)
-- The progress a taker-over reads lives as long as the ledger that points at it.
if redis.call('EXISTS', progressKey) == 1 then redis.call('PEXPIRE', progressKey, ledgerMs) end
if redis.call('EXISTS', retriesKey) == 1 then redis.call('PEXPIRE', retriesKey, ledgerMs) end
return {'won', now, fence, attempt, ledger[4]}`,
);

export const RENEW_LEASE = script(
  'renewLease',
  `
local leaseKey, cancelKey = KEYS[1], KEYS[2]
local token, ttlMs = ARGV[1], ARGV[2]
-- Only the holder may extend its own lease.
if redis.call('GET', leaseKey) ~= token then return 0 end
redis.call('PEXPIRE', leaseKey, ttlMs)
-- Asked to stop for another occurrence ('cancel-running'): renewed all the same, so the run winds down under it.
local cancelledBy = redis.call('GET', cancelKey)
if cancelledBy then return {2, cancelledBy} end
return 1`,
);

export const RELEASE_LEASE = script(
  'releaseLease',
  `
local leaseKey = KEYS[1]
local token = ARGV[1]
-- Compare and delete: another holder's lease is left alone.
if redis.call('GET', leaseKey) ~= token then return 0 end
return redis.call('DEL', leaseKey)`,
);

export const FINISH = script(
  'finish',
  `
local leaseKey, ledgerKey, progressKey, retriesKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local queuedKey, cancelKey, pausedKey = KEYS[5], KEYS[6], KEYS[7]
local runId, token, outcome, occurrence = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local pauseAfter, pauseRecord, ledgerMs = tonumber(ARGV[5]), ARGV[6], ARGV[7]
${CLOCK}
-- A run whose ledger entry was taken over (it lost its lease and was resumed elsewhere) marks nothing done.
if redis.call('HGET', ledgerKey, 'runId') == runId then
  redis.call('HSET', ledgerKey, 'state', 'done', 'finishedAtMs', now)
  -- A large run's progress can hold a million ids; UNLINK frees them off Redis's main thread.
  redis.call('UNLINK', progressKey, retriesKey)
end
-- Failed runs in a row, fleet-wide; a completed run clears the count and is the job's last completed run.
local failures = tonumber(redis.call('HGET', ledgerKey, 'consecutiveFailures') or '0')
local paused = 0
if outcome == 'failed' then
  failures = failures + 1
  redis.call('HSET', ledgerKey, 'consecutiveFailures', failures)
  if pauseAfter > 0 and failures >= pauseAfter and redis.call('EXISTS', pausedKey) == 0 then
    redis.call('SET', pausedKey, pauseRecord)
    paused = 1
  end
elseif outcome == 'completed' then
  failures = 0
  redis.call('HSET', ledgerKey, 'consecutiveFailures', 0, 'lastCompletedOccurrence', occurrence,
    'lastCompletedAtMs', now)
  redis.call('PEXPIRE', ledgerKey, ledgerMs)
end
-- Release the lease only while it is still this run's; a request to stop it is answered by its end.
if redis.call('GET', leaseKey) == token then redis.call('DEL', leaseKey, cancelKey) end
-- The occurrence waiting for the lease, for the caller to start now.
return {redis.call('GET', queuedKey) or '', failures, paused}`,
);

export const READ_LEDGER = script(
  'readLedger',
  `
local ledgerKey = KEYS[1]
${CLOCK}
return {now, redis.call('HGETALL', ledgerKey)}`,
);

export const READ_LEASE = script(
  'readLease',
  `
local leaseKey = KEYS[1]
return {redis.call('GET', leaseKey), redis.call('PTTL', leaseKey)}`,
);

export const PING = script(
  'ping',
  `
${CLOCK}
return now`,
);

export const SCAN_SET = script(
  'scanSet',
  `
local setKey = KEYS[1]
local cursor, count = ARGV[1], ARGV[2]
-- One page of a large set: no reply carries a million members.
return redis.call('SSCAN', setKey, cursor, 'COUNT', count)`,
);

export const REPLACE_SET_START = script(
  'replaceSetStart',
  `
local setKey = KEYS[1]
-- UNLINK frees a large old set off Redis's main thread; the new members follow in plain SADDs.
return redis.call('UNLINK', setKey)`,
);

export const WRITE_VALUE = script(
  'writeValue',
  `
local key = KEYS[1]
local value, expireAtMs, ttlMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
-- An absolute expiry reads the store's clock (a pause 'until'); a relative one is a time to live.
if expireAtMs > 0 then return redis.call('SET', key, value, 'PXAT', expireAtMs) end
if ttlMs > 0 then return redis.call('SET', key, value, 'PX', ttlMs) end
return redis.call('SET', key, value)`,
);

export const UNPAUSE = script(
  'unpause',
  `
local pausedKey, ledgerKey = KEYS[1], KEYS[2]
-- A pause ends, and with it the count of failures in a row that may have caused it.
redis.call('DEL', pausedKey)
if redis.call('EXISTS', ledgerKey) == 1 then redis.call('HSET', ledgerKey, 'consecutiveFailures', 0) end
return 1`,
);

export const SCAN_HASH = script(
  'scanHash',
  `
local hashKey = KEYS[1]
local cursor, count = ARGV[1], ARGV[2]
-- One page of a large hash: no reply carries a million fields.
return redis.call('HSCAN', hashKey, cursor, 'COUNT', count)`,
);

export const WRITE_FAILED = script(
  'writeFailed',
  `
local failedKey = KEYS[1]
local occurrenceMs, record, ttlMs, keep = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
-- One field per occurrence that had failures (its ms), replaced by each write; none once nothing failed.
if record == '' then redis.call('HDEL', failedKey, occurrenceMs) else redis.call('HSET', failedKey, occurrenceMs, record) end
-- The newest 'keep' occurrences stay; older ones go.
local fields = redis.call('HKEYS', failedKey)
if #fields > keep then
  table.sort(fields, function(a, b) return tonumber(a) > tonumber(b) end)
  for i = keep + 1, #fields do redis.call('HDEL', failedKey, fields[i]) end
end
if #fields > 0 then redis.call('PEXPIRE', failedKey, ttlMs) end
return 1`,
);

export const READ_FAILED = script(
  'readFailed',
  `
local failedKey = KEYS[1]
local occurrenceMs = ARGV[1]
-- The record of one occurrence, or of the newest that had failures.
if occurrenceMs ~= '' then return {occurrenceMs, redis.call('HGET', failedKey, occurrenceMs)} end
local newest = nil
for _, field in ipairs(redis.call('HKEYS', failedKey)) do
  if not newest or tonumber(field) > tonumber(newest) then newest = field end
end
if not newest then return {} end
return {newest, redis.call('HGET', failedKey, newest)}`,
);

export const PUSH_CAPPED = script(
  'pushCapped',
  `
local listKey = KEYS[1]
local entry, maxLength, ttlMs = ARGV[1], tonumber(ARGV[2]), ARGV[3]
-- Newest first, at most maxLength entries, and a list of a job that stopped running expires in the end.
redis.call('LPUSH', listKey, entry)
redis.call('LTRIM', listKey, 0, maxLength - 1)
return redis.call('PEXPIRE', listKey, ttlMs)`,
);

export const PAUSE_TENANT = script(
  'pauseTenant',
  `
local pausesKey = KEYS[1]
local tenantId, untilMs, record = ARGV[1], ARGV[2], ARGV[3]
-- Each entry is '<until ms, or empty>|<record>', so that expiry is read without decoding the record.
return redis.call('HSET', pausesKey, tenantId, untilMs .. '|' .. record)`,
);

export const READ_TENANT_PAUSES = script(
  'readTenantPauses',
  `
local pausesKey = KEYS[1]
local limit = tonumber(ARGV[1])
${CLOCK}
local entries = redis.call('HGETALL', pausesKey)
local listed, expired, total, kept = {}, {}, 0, 0
for i = 1, #entries, 2 do
  local value = entries[i + 1]
  local cut = string.find(value, '|', 1, true)
  local untilMs = tonumber(string.sub(value, 1, cut - 1))
  -- A pause whose until has passed is gone: removed here, by the call that found it.
  if untilMs and untilMs <= now then
    table.insert(expired, entries[i])
  else
    total = total + 1
    if limit < 0 or kept < limit then
      kept = kept + 1
      table.insert(listed, entries[i])
      table.insert(listed, string.sub(value, cut + 1))
    end
  end
end
if #expired > 0 then redis.call('HDEL', pausesKey, unpack(expired)) end
return {total, listed}`,
);

export const HASH_DELETE = script(
  'hashDelete',
  `
local hashKey = KEYS[1]
local field = ARGV[1]
return redis.call('HDEL', hashKey, field)`,
);

export const WRITE_SCHEDULE = script(
  'writeSchedule',
  `
local scheduleKey = KEYS[1]
local override, channel, job = ARGV[1], ARGV[2], ARGV[3]
${CLOCK}
-- A new version with every change, the change's time by the store's clock, and the override (none: the code's).
local version = redis.call('HINCRBY', scheduleKey, 'version', 1)
redis.call('HSET', scheduleKey, 'changedAtMs', now)
if override == '' then redis.call('HDEL', scheduleKey, 'override') else redis.call('HSET', scheduleKey, 'override', override) end
-- Every subscribed instance hears of it at once; one that does not corrects itself at its next claim.
redis.call('PUBLISH', channel, cjson.encode({ job = job, version = version }))
return {version, now, override}`,
);

export const READ_SCHEDULE = script(
  'readSchedule',
  `
local scheduleKey = KEYS[1]
return redis.call('HMGET', scheduleKey, 'version', 'changedAtMs', 'override')`,
);
