//! The Lua scripts the Redis directory runs. Each one is atomic on the Redis server,
//! so "find a room with a free seat, else place a new one" is one step for the
//! whole cluster: concurrent matchmaking on any number of nodes never opens two
//! rooms where one had seats (the script is the matchmaking lock).
//!
//! Keys (`P` is `[cluster] key_prefix`):
//! - `P:nodes` set of node ids; `P:node:{id}` the node's record (JSON), expiring
//!   after `node_ttl_ms` unless refreshed. A node whose record is gone is dead.
//! - `P:rooms:{node}` hash room id -> room record (JSON); `P:seats:{node}` hash room
//!   id -> `seats:seq` (seats the node holds, with the node's write sequence). Both
//!   expire with the node.
//! - `P:pending:{room}` sorted set of outstanding tickets, scored by expiry (ms of
//!   Redis TIME): seats reserved on any node and not yet redeemed.
//! - `P:ticket:{token}` the ticket (JSON: room, node, name, `ip`, the caller's
//!   address, "" unknown, and `sub`, its verified identity, when it has one),
//!   expiring with it.
//! - `P:iptickets:{ip}` sorted set of the unredeemed tickets one address holds over
//!   all rooms, scored by expiry (its `[lobby] max_tickets_per_ip`; see `holders`).
//! - `P:iprooms:{ip}` sorted set of the rooms created from one address (by
//!   `POST /api/rooms` on any node, or opened by its matchmaking), scored by when;
//!   a member listed as finished, or not listed a grace after it was counted, is
//!   dropped at the next check, so the set counts that address's live rooms
//!   cluster-wide.
//! - `P:replays:{node}` the node's recordings (JSON list), expiring with the node.
//! - `P:spec:{room}` the room's spectator events (a stream trimmed to the retained
//!   window, fields `i` event id, `k` kind, `x` JSON SSE text, `b` binary SSE text,
//!   empty when it is the JSON text), and the pub/sub channel of the same name
//!   carrying `<stream id> <event id> <kind> <json len> <json><binary>` for each.
//! - `P:watched:{node}` sorted set of that node's rooms watched from other nodes,
//!   scored by expiry.
//!
//! Every script takes the prefix as `ARGV[1]`. Times come from Redis `TIME`, so
//! node clocks do not matter.
//!
//! The seat scripts (matchmaking, joins, ticket checks, redemption and claims) are in
//! `seats`; the directory, heartbeat, replay and spectator scripts are here.

use redis::Script;
use std::sync::LazyLock;

mod holders;
mod seats;
pub use seats::{CHECK, CLAIM, JOIN, MATCHMAKE, REDEEM};

/// Helpers shared by the scripts (prepended to each).
const PRELUDE: &str = r#"
local P = ARGV[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function live_nodes()
  local out = {}
  for _, n in ipairs(redis.call('SMEMBERS', P .. ':nodes')) do
    local rec = redis.call('GET', P .. ':node:' .. n)
    if rec then
      out[#out + 1] = { id = n, raw = rec, rec = cjson.decode(rec) }
    else
      redis.call('SREM', P .. ':nodes', n)
    end
  end
  table.sort(out, function(a, b) return a.id < b.id end)
  return out
end
local function seats_of(s)
  if not s then return 0, -1 end
  local a, b = string.match(s, '^(%d+):(%d+)$')
  return tonumber(a) or 0, tonumber(b) or -1
end
local function free_seats(node, room, max, now)
  local pk = P .. ':pending:' .. room
  redis.call('ZREMRANGEBYSCORE', pk, '-inf', now)
  local seats = seats_of(redis.call('HGET', P .. ':seats:' .. node, room))
  return max - seats - redis.call('ZCARD', pk)
end
-- Room ids listed on live nodes: `live` those not finished, `listed` all of them.
local function listed_rooms()
  local live, listed = {}, {}
  for _, n in ipairs(live_nodes()) do
    for _, raw in ipairs(redis.call('HVALS', P .. ':rooms:' .. n.id)) do
      local r = cjson.decode(raw)
      local id = tostring(r.id)
      listed[id] = true
      if r.state ~= 'finished' then live[id] = true end
    end
  end
  return { live = live, listed = listed }
end
-- Whether address `ip` may create one more room (at most `max` live ones); when it
-- may, `room` is counted for it. Members that are listed as finished, or that are
-- not listed at all `grace` ms after they were counted, are dropped first. An
-- empty `ip` has no budget here.
local function ip_budget(ip, room, max, grace, now, rooms)
  if ip == '' then return true end
  local k = P .. ':iprooms:' .. ip
  local members = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')
  for i = 1, #members, 2 do
    local id, at = members[i], tonumber(members[i + 1])
    if not rooms.live[id] and (rooms.listed[id] or at < now - grace) then
      redis.call('ZREM', k, id)
    end
  end
  if redis.call('ZCARD', k) >= max then return false end
  redis.call('ZADD', k, now, room)
  redis.call('PEXPIRE', k, 86400000)
  return true
end
local function holds(r, sub_hash)
  if sub_hash == '' or type(r.seated_sha256) ~= 'table' then return false end
  for _, h in ipairs(r.seated_sha256) do
    if h == sub_hash then return true end
  end
  return false
end
"#;

pub(super) fn script(body: &str) -> Script {
    Script::new(&format!("{PRELUDE}\n{body}"))
}

/// `ARGV`: prefix, room id. Reply: the room's record json and its node's, or nil.
pub static GET_ROOM: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
for _, n in ipairs(live_nodes()) do
  local raw = redis.call('HGET', P .. ':rooms:' .. n.id, ARGV[2])
  if raw then return { raw, n.raw } end
end
return false
"#,
    )
});

/// `ARGV`: prefix. Reply: every live node's room records (json), node by node.
pub static LIST_ROOMS: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local out = {}
for _, n in ipairs(live_nodes()) do
  for _, raw in ipairs(redis.call('HVALS', P .. ':rooms:' .. n.id)) do out[#out + 1] = raw end
end
return out
"#,
    )
});

/// `ARGV`: prefix. Reply: the live nodes' records (json), by id.
pub static LIST_NODES: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local out = {}
for _, n in ipairs(live_nodes()) do out[#out + 1] = n.raw end
return out
"#,
    )
});

/// `ARGV`: prefix, node, node json, ttl ms, room count, then per room (id, json,
/// `seats:seq`; the rooms that changed), then ids of rooms this node no longer has.
/// Refreshes the node and its rooms. Reply: "1" when Redis held no rooms of this
/// node before (the node must send all of them), else "0"; then the records of
/// rooms placed on this node that it does not run yet.
pub static HEARTBEAT: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local node, nodejson, ttl, n = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('SET', P .. ':node:' .. node, nodejson, 'PX', ttl)
redis.call('SADD', P .. ':nodes', node)
local rk, sk = P .. ':rooms:' .. node, P .. ':seats:' .. node
local fresh = redis.call('EXISTS', rk) == 0
local mine = {}
local i = 6
for _ = 1, n do
  local id, json, seats = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  mine[id] = true
  redis.call('HSET', rk, id, json)
  local _, cur = seats_of(redis.call('HGET', sk, id))
  local _, new = seats_of(seats)
  if new > cur then redis.call('HSET', sk, id, seats) end
  i = i + 3
end
while i <= #ARGV do
  redis.call('HDEL', rk, ARGV[i])
  redis.call('HDEL', sk, ARGV[i])
  i = i + 1
end
redis.call('PEXPIRE', rk, ttl)
redis.call('PEXPIRE', sk, ttl)
local out = { fresh and '1' or '0' }
for _, raw in ipairs(redis.call('HVALS', rk)) do
  local r = cjson.decode(raw)
  if r.provisional and not mine[tostring(r.id)] then out[#out + 1] = raw end
end
return out
"#,
    )
});

/// `ARGV`: prefix. Reply: per live node, its record and its recordings (json).
pub static LIST_REPLAYS: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local out = {}
for _, n in ipairs(live_nodes()) do
  out[#out + 1] = n.raw
  out[#out + 1] = redis.call('GET', P .. ':replays:' .. n.id) or '[]'
end
return out
"#,
    )
});

/// `ARGV`: prefix, node, ttl ms, list json or "" (unchanged). Keeps the node's list
/// of recordings alive; writes it when given. Reply: 1, or 0 when the list is
/// missing (Redis lost it) and was not given.
pub static REPLAYS: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local key = P .. ':replays:' .. ARGV[2]
if ARGV[4] ~= '' then
  redis.call('SET', key, ARGV[4], 'PX', tonumber(ARGV[3]))
  return 1
end
return redis.call('PEXPIRE', key, tonumber(ARGV[3]))
"#,
    )
});

/// `ARGV`: prefix, room, max entries, event id, kind, JSON SSE text, binary SSE text
/// (empty: the JSON text), keep ms. Appends one spectator event to the room's
/// stream and publishes it (`<stream id> <event id> <kind> <json len> <json><binary>`),
/// in one step.
pub static SPEC_PUBLISH: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local key = P .. ':spec:' .. ARGV[2]
local id = redis.call('XADD', key, 'MAXLEN', '~', ARGV[3], '*',
  'i', ARGV[4], 'k', ARGV[5], 'x', ARGV[6], 'b', ARGV[7])
redis.call('PEXPIRE', key, ARGV[8])
redis.call('PUBLISH', key, id .. ' ' .. ARGV[4] .. ' ' .. ARGV[5] .. ' '
  .. string.len(ARGV[6]) .. ' ' .. ARGV[6] .. ARGV[7])
return id
"#,
    )
});

/// `ARGV`: prefix, owner node, room, ttl ms. This node watches `room` for a while.
/// Reply: 1 while the owner is alive, else 0.
pub static WATCH: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
if redis.call('EXISTS', P .. ':node:' .. ARGV[2]) == 0 then return 0 end
local key = P .. ':watched:' .. ARGV[2]
redis.call('ZADD', key, now_ms() + tonumber(ARGV[4]), ARGV[3])
redis.call('PEXPIRE', key, tonumber(ARGV[4]) * 2)
return 1
"#,
    )
});

/// `ARGV`: prefix, node. Reply: this node's rooms watched from elsewhere.
pub static WATCHED: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local key = P .. ':watched:' .. ARGV[2]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now_ms())
return redis.call('ZRANGE', key, 0, -1)
"#,
    )
});

/// `ARGV`: prefix, node. Removes the node and its rooms (clean shutdown).
pub static LEAVE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local node = ARGV[2]
redis.call('DEL', P .. ':node:' .. node, P .. ':rooms:' .. node, P .. ':seats:' .. node,
  P .. ':replays:' .. node)
redis.call('SREM', P .. ':nodes', node)
return 1
"#,
    )
});
