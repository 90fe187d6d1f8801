package redisstore

import "github.com/redis/go-redis/v9"

// Writes run as Lua scripts so that a batch is applied atomically: a query
// never sees half a batch (Counts' geo and hashtag counts always agree with
// its posts), a retried batch is recognised by its token and not applied
// twice, and acknowledging stream entries happens in the same step as
// recording their posts. Every key a script touches starts with KEYS[1], the
// hash-tagged prefix, so on a Redis Cluster they all live in KEYS[1]'s slot.
//
// Lua numbers are doubles: counters and sequence numbers stay far below
// 2^53, but nanosecond times do not, so times are compared as fixed-width
// digit strings (codec.go) and the retention cutoff is subtracted in two
// 10-digit halves.

// Every 256 consecutive posts of a language (C in the scripts) share one
// entry of the time-bounds index (the ":b:" hash). The value is baked into
// the scripts and the key layout: changing it needs a fresh prefix.

// recordScript appends batches of posts in the native layout.
//
//	KEYS[1]  prefix, e.g. "{geoheat}"
//	ARGV[1]  batch token ("" = none); ARGV[2] its TTL in seconds
//	ARGV[3]  now (encoded time; clamps the head for retention)
//	ARGV[4]  retention (20-digit ns) or "" for none
//	ARGV[5]  max posts (0 = no limit)
//	ARGV[6]  dedupe TTL in seconds ("0" = post ids are not checked)
//	ARGV[7]  consumer group whose stream entries are acknowledged ("" = none)
//	ARGV[8]  kept text: most records kept (0 = no count bound, -1 = text
//	         is not kept: the list is deleted, freeing what an earlier
//	         setting kept)
//	ARGV[9]  kept text: age bound (20-digit ns) or "" for none
//	then per entry: stream entry id ("" = not from the stream), post count,
//	and per post: lang, dedupe id ("" = none), time, provenance (0 = no
//	point, else the post.GeoSource digit), tag count, payload, kept fields
//	("" = text not kept; appendKeptFields), tags (lower-cased).
//
// A post whose kept fields are given also gets a record in the ":k" list,
// "<length of the fields>:<fields><post record>", in arrival order. The
// list is trimmed here, from the front: beyond ARGV[8] records, older
// than the newest time recorded minus ARGV[9], and the records of posts
// dropped above (their seq is at most the newest seq dropped, as drops
// take the oldest arrivals first), so kept text never outlives its post.
//
// Points other than exact ones are counted per provenance in the ":gs:"
// hash (exact = the ":g:" list's length minus the hash's sum), so Counts
// can report trusted points and a breakdown without reading the points.
//
// An entry whose XACK returns 0 was already acknowledged (another worker
// claimed and recorded it): its posts are skipped. Returns {written,
// duplicates skipped, dropped by retention or max posts, 1 if the token had
// been applied before}.
var recordScript = redis.NewScript(`
local b = KEYS[1]
local C = 256
if ARGV[1] ~= '' then
  if not redis.call('SET', b .. ':batch:' .. ARGV[1], '1', 'NX', 'EX', ARGV[2]) then
    return {0, 0, 0, 1}
  end
end
local now, ret, maxposts, dttl, group = ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7]
local keepn, keepage = tonumber(ARGV[8]), ARGV[9]
local kk = b .. ':k'
local kept = 0
local seq = tonumber(redis.call('GET', b .. ':seq') or '0')
local head = redis.call('GET', b .. ':head') or ''
local ever, bnd, langs = {}, {}, {}
local written, dups = 0, 0
local i, n = 10, #ARGV
while i <= n do
  local eid, np = ARGV[i], tonumber(ARGV[i + 1])
  i = i + 2
  local take = true
  if eid ~= '' then
    take = redis.call('XACK', b .. ':stream', group, eid) == 1
  end
  for _ = 1, np do
    local L, did, t, g, nts, payload, kf = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
    local nt = tonumber(nts)
    local t0 = i + 7
    i = t0 + nt
    local ok = take
    if ok and did ~= '' and dttl ~= '0' then
      if not redis.call('SET', b .. ':seen:' .. did, '1', 'NX', 'EX', dttl) then
        ok = false
        dups = dups + 1
      end
    end
    if ok then
      seq = seq + 1
      local rec = t .. ' ' .. string.format('%d', seq) .. ' ' .. nts .. ' ' .. g .. '\n' .. payload
      redis.call('RPUSH', b .. ':p:' .. L, rec)
      if g ~= '0' then
        redis.call('RPUSH', b .. ':g:' .. L, rec)
        if g ~= '1' then redis.call('HINCRBY', b .. ':gs:' .. L, g, 1) end
      end
      if nt > 0 then redis.call('RPUSH', b .. ':t:' .. L, unpack(ARGV, t0, t0 + nt - 1)) end
      if kf ~= '' then
        redis.call('RPUSH', kk, string.len(kf) .. ':' .. kf .. rec)
        kept = kept + 1
      end
      redis.call('RPUSH', b .. ':order', L)
      local e = ever[L]
      if e == nil then
        e = tonumber(redis.call('HGET', b .. ':ever', L) or '0')
        langs[#langs + 1] = L
      end
      local c = math.floor(e / C)
      local cb = bnd[L]
      if cb == nil or cb[1] ~= c then
        if cb ~= nil then redis.call('HSET', b .. ':b:' .. L, cb[1], cb[2] .. cb[3]) end
        local v = redis.call('HGET', b .. ':b:' .. L, c)
        if v then cb = {c, string.sub(v, 1, 20), string.sub(v, 21, 40)} else cb = {c, t, t} end
        bnd[L] = cb
      end
      if t < cb[2] then cb[2] = t end
      if t > cb[3] then cb[3] = t end
      ever[L] = e + 1
      if t > head then head = t end
      written = written + 1
    end
  end
end
for _, L in ipairs(langs) do
  local cb = bnd[L]
  redis.call('HSET', b .. ':b:' .. L, cb[1], cb[2] .. cb[3])
  redis.call('HSET', b .. ':ever', L, string.format('%d', ever[L]))
  redis.call('SADD', b .. ':langs', L)
end
if written > 0 then
  redis.call('SET', b .. ':seq', string.format('%d', seq))
  redis.call('SET', b .. ':head', head)
  redis.call('INCRBY', b .. ':written', written)
end

-- Drops: the oldest recorded posts first, across languages.
local dropped, dseq = 0, -1
local fronts = {}
-- The newest time dropped that is not past the head (ARGV[3] clamps it):
-- trends count only the buckets after it (see ':dropmax' below).
local hnow, dmax = head, ''
if now < hnow then hnow = now end
local function drop()
  local L = redis.call('LPOP', b .. ':order')
  local pk = b .. ':p:' .. L
  if fronts[L] == nil then
    fronts[L] = tonumber(redis.call('HGET', b .. ':ever', L)) - redis.call('LLEN', pk)
  end
  local rec = redis.call('LPOP', pk)
  local t = string.sub(rec, 1, 20)
  if t <= hnow and t > dmax then dmax = t end
  local sq, nt, g = string.match(rec, '^%d+ (%d+) (%d+) ([0-4])')
  sq = tonumber(sq)
  if sq > dseq then dseq = sq end
  if g ~= '0' then
    redis.call('LPOP', b .. ':g:' .. L)
    if g ~= '1' then
      if redis.call('HINCRBY', b .. ':gs:' .. L, g, -1) <= 0 then redis.call('HDEL', b .. ':gs:' .. L, g) end
    end
  end
  nt = tonumber(nt)
  if nt > 0 then redis.call('LTRIM', b .. ':t:' .. L, nt, -1) end
  dropped = dropped + 1
end
local function sub20(a, r)
  local ah, al = tonumber(string.sub(a, 1, 10)), tonumber(string.sub(a, 11, 20))
  local rh, rl = tonumber(string.sub(r, 1, 10)), tonumber(string.sub(r, 11, 20))
  local lo, hi = al - rl, ah - rh
  if lo < 0 then
    lo = lo + 10000000000
    hi = hi - 1
  end
  if hi < 0 then return nil end
  return string.format('%010d%010d', hi, lo)
end
if ret ~= '' and head ~= '' then
  local h = head
  if now < h then h = now end
  local cutoff = sub20(h, ret)
  if cutoff then
    while true do
      local L = redis.call('LINDEX', b .. ':order', 0)
      if not L then break end
      local rec = redis.call('LINDEX', b .. ':p:' .. L, 0)
      if string.sub(rec, 1, 20) < cutoff then drop() else break end
    end
  end
end
if maxposts > 0 then
  local held = redis.call('LLEN', b .. ':order')
  while held > maxposts do
    drop()
    held = held - 1
  end
end
-- Keep the time-bounds index exact at the front: forget emptied chunks and
-- recompute the low bound of the chunk the front now sits in, so Stats'
-- oldest time is exact.
for L, front0 in pairs(fronts) do
  local pk, bk = b .. ':p:' .. L, b .. ':b:' .. L
  local e = tonumber(redis.call('HGET', b .. ':ever', L))
  local held = redis.call('LLEN', pk)
  local front = e - held
  local c1 = math.floor(front / C)
  for c = math.floor(front0 / C), c1 - 1 do redis.call('HDEL', bk, c) end
  if held == 0 then
    redis.call('DEL', bk)
  else
    local recs = redis.call('LRANGE', pk, 0, math.min((c1 + 1) * C, e) - front - 1)
    local lo = string.sub(recs[1], 1, 20)
    for k = 2, #recs do
      local t = string.sub(recs[k], 1, 20)
      if t < lo then lo = t end
    end
    local v = redis.call('HGET', bk, c1)
    redis.call('HSET', bk, c1, lo .. string.sub(v, 21, 40))
  end
end
if dropped > 0 then redis.call('INCRBY', b .. ':dropped', dropped) end
-- Kept text: the count bound, then from the front the records of dropped
-- posts and those past the age bound.
if keepn < 0 then
  if written > 0 then redis.call('DEL', kk) end
elseif kept > 0 or dropped > 0 or (keepage ~= '' and written > 0) then
  if keepn > 0 then
    local over = redis.call('LLEN', kk) - keepn
    if over > 0 then redis.call('LTRIM', kk, over, -1) end
  end
  local kcut = nil
  if keepage ~= '' and head ~= '' then
    -- From the newest time recorded, not clamped to now: textindex's rule,
    -- so both stores keep the same posts.
    kcut = sub20(head, keepage)
  end
  if dseq >= 0 or kcut then
    while true do
      local k = redis.call('LINDEX', kk, 0)
      if not k then break end
      local fl, at = string.match(k, '^(%d+):()')
      local r = at + tonumber(fl)
      local t, sq = string.sub(k, r, r + 19), tonumber(string.match(k, '^ (%d+)', r + 20))
      if sq <= dseq or (kcut and t < kcut) then redis.call('LPOP', kk) else break end
    end
  end
end
if dmax ~= '' and dmax > (redis.call('GET', b .. ':dropmax') or '') then
  redis.call('SET', b .. ':dropmax', dmax)
end
return {written, dups, dropped, 0}
`)

// luaChunksAfter defines chunksIn(b, L, cutoff, below): the records of
// language L's chunks whose newest time is after cutoff and whose oldest
// is before below (encoded times; the empty string leaves that end open),
// in arrival order; and chunksAfter(b, L, cutoff), with no upper bound.
// Chunks entirely outside are skipped without reading them; callers filter
// the boundary chunks' records exactly. Scripts that read a time span
// share it.
const luaChunksAfter = `
local function chunksIn(b, L, cutoff, below)
  local C = 256
  local pk = b .. ':p:' .. L
  local held = redis.call('LLEN', pk)
  local recs = {}
  if held == 0 then return recs end
  local e = tonumber(redis.call('HGET', b .. ':ever', L))
  local front = e - held
  local kv = redis.call('HGETALL', b .. ':b:' .. L)
  local cs = {}
  for j = 1, #kv, 2 do
    local v = kv[j + 1]
    if string.sub(v, 21, 40) > cutoff and (below == '' or string.sub(v, 1, 20) < below) then
      cs[#cs + 1] = tonumber(kv[j])
    end
  end
  table.sort(cs)
  local from, to = -1, -2
  local function take()
    for _, r in ipairs(redis.call('LRANGE', pk, from, to)) do recs[#recs + 1] = r end
  end
  for _, c in ipairs(cs) do
    local s = math.max(c * C, front) - front
    local t = math.min((c + 1) * C, e) - front - 1
    if s <= t then
      if s == to + 1 then
        to = t
      else
        if from >= 0 then take() end
        from, to = s, t
      end
    end
  end
  if from >= 0 then take() end
  return recs
end
local function chunksAfter(b, L, cutoff) return chunksIn(b, L, cutoff, '') end
`

// trendsScript reads, in one consistent step, what a trends query needs:
// the head, the newest time dropped (':dropmax'), how many posts are held,
// the oldest post time held (the low bounds of every language's
// time-bounds index, as Stats reads them) and, per language, the records
// of the chunks that may hold posts of the query's span (chunksAfter with
// cutoff min(head, limit) − span).
//
//	KEYS[1] prefix; ARGV[1] limit (encoded time: the store clock's now, or
//	the query's At if earlier); ARGV[2] span (20-digit ns); ARGV[3...]
//	languages, none = every language
//
// Returns {head, dropmax, held, oldest, languages, records per language};
// head, dropmax and oldest are empty strings when there is none.
var trendsScript = redis.NewScript(luaChunksAfter + `
local b = KEYS[1]
local head = redis.call('GET', b .. ':head') or ''
local dmax = redis.call('GET', b .. ':dropmax') or ''
local held = redis.call('LLEN', b .. ':order')
local all = redis.call('SMEMBERS', b .. ':langs')
local oldest = ''
for _, L in ipairs(all) do
  for _, v in ipairs(redis.call('HVALS', b .. ':b:' .. L)) do
    local lo = string.sub(v, 1, 20)
    if oldest == '' or lo < oldest then oldest = lo end
  end
end
local langs = {}
if #ARGV > 2 then
  for k = 3, #ARGV do langs[#langs + 1] = ARGV[k] end
else
  langs = all
end
local recs = {}
if head ~= '' and held > 0 then
  local h = head
  if ARGV[1] < h then h = ARGV[1] end
  -- h - span in two 10-digit halves (Lua doubles cannot hold 20 digits).
  local hh, hl = tonumber(string.sub(h, 1, 10)), tonumber(string.sub(h, 11, 20))
  local sh, sl = tonumber(string.sub(ARGV[2], 1, 10)), tonumber(string.sub(ARGV[2], 11, 20))
  local lo, hi = hl - sl, hh - sh
  if lo < 0 then
    lo = lo + 10000000000
    hi = hi - 1
  end
  local cutoff = ''
  if hi >= 0 then cutoff = string.format('%010d%010d', hi, lo) end
  for _, L in ipairs(langs) do recs[#recs + 1] = chunksAfter(b, L, cutoff) end
end
return {head, dmax, held, oldest, langs, recs}
`)

// seedRecordScript appends batches in the seed's layout: hashtag_<name>
// gets the post's hashtags as written, geo_<name> its point as the seed's
// JSON. Token, dedupe and stream acknowledgement work as in recordScript.
// The seed's keys carry no hash tag, so this needs a single Redis (Open
// refuses the seed layout on a Cluster).
//
//	KEYS[1] prefix; ARGV[1] token; ARGV[2] its TTL; ARGV[3] dedupe TTL;
//	ARGV[4] group; then per entry: id, post count, and per post: NLTK name,
//	dedupe id, point JSON ("" = none), tag count, tags.
//
// Returns {written, duplicates skipped, 0, 1 if the token had been applied}.
var seedRecordScript = redis.NewScript(`
local b = KEYS[1]
if ARGV[1] ~= '' then
  if not redis.call('SET', b .. ':batch:' .. ARGV[1], '1', 'NX', 'EX', ARGV[2]) then
    return {0, 0, 0, 1}
  end
end
local dttl, group = ARGV[3], ARGV[4]
local i, n, written, dups = 5, #ARGV, 0, 0
while i <= n do
  local eid, np = ARGV[i], tonumber(ARGV[i + 1])
  i = i + 2
  local take = true
  if eid ~= '' then
    take = redis.call('XACK', b .. ':stream', group, eid) == 1
  end
  for _ = 1, np do
    local name, did, geo, nt = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
    local t0 = i + 4
    i = t0 + nt
    local ok = take
    if ok and did ~= '' and dttl ~= '0' then
      if not redis.call('SET', b .. ':seen:' .. did, '1', 'NX', 'EX', dttl) then
        ok = false
        dups = dups + 1
      end
    end
    if ok then
      if nt > 0 then redis.call('RPUSH', 'hashtag_' .. name, unpack(ARGV, t0, t0 + nt - 1)) end
      if geo ~= '' then redis.call('RPUSH', 'geo_' .. name, geo) end
      written = written + 1
    end
  end
end
return {written, dups, 0, 0}
`)

// lastGeoScript returns, newest first, the last N records of a language's
// points list whose provenance digit is in a set, for queries that leave
// out provenances the language holds (the default map leaves out inferred
// points). It walks back from the end in doubling pages, so it reads about
// as many records as it must, and runs as one script so that concurrent
// appends and drops cannot shift the pages under it.
//
//	KEYS[1] prefix; ARGV[1] language; ARGV[2] N; ARGV[3] the digits wanted, e.g. "12"
var lastGeoScript = redis.NewScript(`
local k = KEYS[1] .. ':g:' .. ARGV[1]
local n, want = tonumber(ARGV[2]), ARGV[3]
local out = {}
local hi = redis.call('LLEN', k) - 1
local page = math.max(n, 64)
while hi >= 0 and #out < n do
  local lo = math.max(0, hi - page + 1)
  local recs = redis.call('LRANGE', k, lo, hi)
  for j = #recs, 1, -1 do
    local g = string.match(recs[j], '^%d+ %d+ %d+ (%d)')
    if g and string.find(want, g, 1, true) then
      out[#out + 1] = recs[j]
      if #out == n then break end
    end
  end
  hi = lo - 1
  page = page * 2
end
return out
`)
