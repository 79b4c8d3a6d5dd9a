//! The Lua helpers of the seat scripts that issue tickets: each pending ticket
//! records its holder (address, and identity when the caller has one), so that
//! nobody holds seats they do not use, as on a single node
//! (`crate::lobby::tickets`): one address holds at most `[lobby]
//! max_tickets_per_ip` unredeemed tickets over all rooms of the cluster (counted in
//! `P:iptickets:{ip}`), and in one room one identity at most one, an address
//! without identities at most `[lobby] max_tickets_per_ip_per_room` (default half
//! the room's seats, at least one). Asking again past that share replaces the
//! holder's oldest ticket there: the ticket is deleted (it no longer redeems) and
//! its seat leaves the room's pending set, in the same script that issues the new
//! one.

/// Prepended to the seat scripts, after the shared prelude. An empty address is
/// an unknown one: all unknown callers share one budget (as on a single node).
pub(super) const HOLDERS: &str = r#"
-- Whether ticket record `t` counts as the caller's (`ip`, `sub`) in a room: the
-- same identity, or (neither having one) the same address.
local function same_taker(t, ip, sub)
  local tsub = t.sub or ''
  if sub ~= '' or tsub ~= '' then return sub == tsub end
  return (t.ip or '') == ip
end
-- Make way for one more ticket of (`ip`, `sub`) in `room` of `seats` seats, before
-- its seat is counted: past the holder's share of the room its oldest ticket there
-- is withdrawn; then the address's tickets over all rooms must stay below
-- `per_ip`. `per_room` 0 is half the seats, at least one. Reply: 'refused' (the
-- address holds its limit), 'replaced' or 'kept'.
local function make_way(room, seats, ip, sub, per_ip, per_room, now)
  local share = 1
  if sub == '' then
    share = per_room
    if share <= 0 then share = math.max(1, math.floor((tonumber(seats) or 0) / 2)) end
  end
  local pk = P .. ':pending:' .. room
  redis.call('ZREMRANGEBYSCORE', pk, '-inf', now)
  local here, oldest, oldest_at, oldest_ip = 0, nil, nil, nil
  local pending = redis.call('ZRANGE', pk, 0, -1, 'WITHSCORES')
  for i = 1, #pending, 2 do
    -- A redeemed ticket (gone, its claim on the way) is no longer pending here.
    local raw = redis.call('GET', P .. ':ticket:' .. pending[i])
    if raw then
      local t = cjson.decode(raw)
      if same_taker(t, ip, sub) then
        here = here + 1
        local at = tonumber(pending[i + 1])
        if oldest == nil or at < oldest_at then
          oldest, oldest_at, oldest_ip = pending[i], at, t.ip or ''
        end
      end
    end
  end
  local ik = P .. ':iptickets:' .. ip
  redis.call('ZREMRANGEBYSCORE', ik, '-inf', now)
  local held = redis.call('ZCARD', ik)
  local replace = here >= share and oldest ~= nil
  -- The replaced ticket is the same address's unless an identity moved.
  if replace and oldest_ip == ip then held = held - 1 end
  if held >= per_ip then return 'refused' end
  if not replace then return 'kept' end
  redis.call('DEL', P .. ':ticket:' .. oldest)
  redis.call('ZREM', pk, oldest)
  redis.call('ZREM', P .. ':iptickets:' .. oldest_ip, oldest)
  return 'replaced'
end
-- Issue `ticket` for a seat in `room` on `node`, held by (`ip`, `sub`): pending in
-- the room and counted for the address until it is redeemed or expires.
local function issue(node, room, ticket, name, ip, sub, ttl, now)
  local pk = P .. ':pending:' .. room
  redis.call('ZADD', pk, now + ttl, ticket)
  redis.call('PEXPIRE', pk, ttl + 1000)
  local ik = P .. ':iptickets:' .. ip
  redis.call('ZADD', ik, now + ttl, ticket)
  redis.call('PEXPIRE', ik, ttl + 1000)
  local t = { room = room, node = node, name = name, ip = ip }
  if sub ~= '' then t.sub = sub end
  redis.call('SET', P .. ':ticket:' .. ticket, cjson.encode(t), 'PX', ttl)
end
"#;
