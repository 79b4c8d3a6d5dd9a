//! The seat scripts: matchmaking ([`MATCHMAKE`]), joining a room by id ([`JOIN`]),
//! checking a ticket on its node without using it ([`CHECK`], a WebTransport URL),
//! redeeming it there ([`REDEEM`]) and counting the redeemed seat in the
//! node's seats ([`CLAIM`]). Each issues or settles the pending tickets that keep
//! two nodes from handing out the same seat (keys and prelude in [`super`]), and
//! the tickets' holders within their limits ([`super::holders`]).

use super::holders::HOLDERS;
use super::script;
use redis::Script;
use std::sync::LazyLock;

/// A script that issues tickets: the prelude, the holder helpers, then `body`.
fn seat_script(body: &str) -> Script {
    script(&format!("{HOLDERS}\n{body}"))
}

/// `ARGV`: prefix, map, name, ticket, ticket ttl ms, max players and id of a new
/// room (used only when no open room has a seat), the caller's `sub` ("" for none),
/// "1" when the caller may create rooms, its address ("" unknown), its live-room
/// budget and the budget's grace ms, its limit of unredeemed tickets, its
/// share of one room ("0": half the seats), the game and the default game (a
/// record without `game`, written by an older node, is a room of the default
/// game). Only rooms of the game and map asked for are matched: games never mix.
/// The map is "" for a game that plays on no maps: its rooms match whatever map
/// their record names (older nodes wrote a map into every room's record), and a new
/// room's record names none.
/// Reply: `{"ok", room json, node json, "1"|"0" (the caller's oldest ticket there
/// was replaced)}`, `{"err", message}`, `{"refused"}` (no open room and the caller
/// may not create one), `{"ip_rooms"}` (its address has its budget of live rooms)
/// or `{"ip_tickets"}` (its address holds its limit of tickets).
pub static MATCHMAKE: LazyLock<Script> = LazyLock::new(|| {
    seat_script(
        r#"
local map, name, ticket = ARGV[2], ARGV[3], ARGV[4]
local ttl, max = tonumber(ARGV[5]), tonumber(ARGV[6])
local ip, sub = ARGV[10], ARGV[8]
local per_ip, per_room = tonumber(ARGV[13]), tonumber(ARGV[14])
local game, default_game = ARGV[15], ARGV[16]
local now = now_ms()
local best, besttaken, bestraw, bestnode, bestmax
local place, placeload
for _, n in ipairs(live_nodes()) do
  local load = 0
  for _, raw in ipairs(redis.call('HVALS', P .. ':rooms:' .. n.id)) do
    local r = cjson.decode(raw)
    local id = tostring(r.id)
    if r.state ~= 'finished' then
      local free = free_seats(n.id, id, r.max_players, now)
      load = load + (r.max_players - free)
      local rgame = r.game
      if type(rgame) ~= 'string' then rgame = default_game end
      if not n.rec.draining and rgame == game and (map == '' or r.map == map)
          and not r.private
          and free > 0 then
        -- The room with the most seats taken (a live 2/16 room beats an empty
        -- 1-seat room), then the smallest id.
        local taken = r.max_players - free
        if best == nil or taken > besttaken or (taken == besttaken and id < best) then
          best, besttaken, bestraw, bestnode, bestmax = id, taken, raw, n, r.max_players
        end
      end
    end
  end
  if not n.rec.draining and (place == nil or load < placeload) then
    place, placeload = n, load
  end
end
local way = 'kept'
if best == nil then
  if ARGV[9] ~= '1' then return { 'refused' } end
  if place == nil then return { 'err', 'no live node accepts new rooms' } end
  -- A new room holds no tickets yet: only the address's limit applies.
  if make_way(ARGV[7], max, ip, sub, per_ip, per_room, now) == 'refused' then
    return { 'ip_tickets' }
  end
  if not ip_budget(ARGV[10], ARGV[7], tonumber(ARGV[11]), tonumber(ARGV[12]), now,
      listed_rooms()) then
    return { 'ip_rooms' }
  end
  best = ARGV[7]
  bestnode = place
  -- `drones` is the API's historical name of a room's npcs; a nil map (no maps)
  -- leaves the field out.
  local rec = { id = best, name = 'room ' .. best, game = game, state = 'waiting',
    players = 0, max_players = max, spectators = 0, tick = 0, drones = 0,
    private = false, node = place.id, url = place.rec.url, provisional = true }
  if map ~= '' then rec.map = map end
  bestraw = cjson.encode(rec)
  local rk = P .. ':rooms:' .. place.id
  redis.call('HSET', rk, best, bestraw)
  local left = redis.call('PTTL', P .. ':node:' .. place.id)
  if left > 0 then redis.call('PEXPIRE', rk, left) end
else
  way = make_way(best, bestmax, ip, sub, per_ip, per_room, now)
  if way == 'refused' then return { 'ip_tickets' } end
end
issue(bestnode.id, best, ticket, name, ip, sub, ttl, now)
return { 'ok', bestraw, bestnode.raw, way == 'replaced' and '1' or '0' }
"#,
    )
});

/// `ARGV`: prefix, room id, name, ticket, ticket ttl ms, SHA-256 of the invite
/// given ("" for none; a private room needs the right one), the caller's `sub`
/// and its SHA-256 ("" for none: an identity the room's record lists as seated
/// gets a ticket even when the room is full, and its join resumes that seat), its
/// address ("" unknown), the address's limit of unredeemed tickets and its share
/// of one room ("0": half the seats).
/// Reply: `{"ok", room json, node json, "1"|"0" (the caller's oldest ticket there
/// was replaced)}` or `{"not_found"}`, `{"finished"}`, `{"full"}`, `{"ip_tickets"}`.
pub static JOIN: LazyLock<Script> = LazyLock::new(|| {
    seat_script(
        r#"
local room, name, ticket, ttl = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local sub, ip = ARGV[7], ARGV[9]
local per_ip, per_room = tonumber(ARGV[10]), tonumber(ARGV[11])
local now = now_ms()
for _, n in ipairs(live_nodes()) do
  local raw = redis.call('HGET', P .. ':rooms:' .. n.id, room)
  if raw then
    local r = cjson.decode(raw)
    if r.private and r.invite_sha256 ~= ARGV[6] then return { 'not_found' } end
    if r.state == 'finished' then return { 'finished' } end
    local way = make_way(room, r.max_players, ip, sub, per_ip, per_room, now)
    if way == 'refused' then return { 'ip_tickets' } end
    if free_seats(n.id, room, r.max_players, now) <= 0 and not holds(r, ARGV[8]) then
      return { 'full' }
    end
    issue(n.id, room, ticket, name, ip, sub, ttl, now)
    return { 'ok', raw, n.raw, way == 'replaced' and '1' or '0' }
  end
end
return { 'not_found' }
"#,
    )
});

/// The start of the ticket scripts (`ARGV`: prefix, ticket, this node): the
/// ticket's record `t` (`raw`), or the reply `{"none"}` (no such ticket) or
/// `{"wrong", ticket json, "1"|"0"}` (for another node; whether that node is alive).
const TICKET_FOR_THIS_NODE: &str = r#"
local key = P .. ':ticket:' .. ARGV[2]
local raw = redis.call('GET', key)
if not raw then return { 'none' } end
local t = cjson.decode(raw)
if t.node ~= ARGV[3] then
  local alive = redis.call('EXISTS', P .. ':node:' .. t.node)
  return { 'wrong', raw, tostring(alive) }
end
"#;

/// `ARGV`: prefix, ticket, this node. Uses the ticket only when it is for this node
/// (it then no longer counts for its address).
/// Reply: `{"ok", ticket json}`, or as `TICKET_FOR_THIS_NODE`.
pub static REDEEM: LazyLock<Script> = LazyLock::new(|| {
    script(&format!(
        r#"{TICKET_FOR_THIS_NODE}
redis.call('DEL', key)
redis.call('ZREM', P .. ':iptickets:' .. (t.ip or ''), ARGV[2])
return {{ 'ok', raw }}
"#
    ))
});

/// `ARGV`: prefix, ticket, this node. Checks, without using it, that the ticket is
/// live, for this node and for a room this node lists (started or placed here): a
/// WebTransport session's URL is checked so, and the ticket used at its `Hello`.
/// Reply: `{"ok", ticket json}`, `{"no_room", ticket json}`, or as
/// `TICKET_FOR_THIS_NODE`.
pub static CHECK: LazyLock<Script> = LazyLock::new(|| {
    script(&format!(
        r#"{TICKET_FOR_THIS_NODE}
if redis.call('HEXISTS', P .. ':rooms:' .. ARGV[3], t.room) == 0 then
  return {{ 'no_room', raw }}
end
return {{ 'ok', raw }}
"#
    ))
});

/// `ARGV`: prefix, node, room, ticket, `seats:seq`. The redeemed ticket's seat now
/// counts in the node's seats: drop it from the pending set in the same step.
pub static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local node, room, ticket, seats = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
redis.call('ZREM', P .. ':pending:' .. room, ticket)
local sk = P .. ':seats:' .. node
local _, cur = seats_of(redis.call('HGET', sk, room))
local _, new = seats_of(seats)
if new > cur then redis.call('HSET', sk, room, seats) end
local left = redis.call('PTTL', P .. ':node:' .. node)
if left > 0 then redis.call('PEXPIRE', sk, left) end
return 1
"#,
    )
});
