//! The per-address budget of live rooms across the cluster (`[lobby]
//! max_rooms_per_ip`): Redis keeps each address's rooms in `P:iprooms:{ip}` (see
//! [`super::scripts`]); `POST /api/rooms` counts here, and the matchmaking script
//! counts the rooms it opens in the same step that places them.

use super::directory::{Caller, DirectoryError};
use super::redis_dir::RedisDirectory;
use super::scripts::script;
use redis::Script;
use std::sync::LazyLock;

/// `ARGV`: prefix, address, id of the room it creates, its live-room budget, the
/// grace ms. Counts the room for the address. Reply: 1, or 0 when the address has
/// its budget of live rooms cluster-wide.
pub static ROOM_BUDGET: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local ok = ip_budget(ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), now_ms(),
  listed_rooms())
return ok and 1 or 0
"#,
    )
});

/// `ARGV`: prefix, address, room id. The room was not created after all: it no
/// longer counts for the address.
pub static ROOM_BUDGET_RETURN: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
return redis.call('ZREM', P .. ':iprooms:' .. ARGV[2], ARGV[3])
"#,
    )
});

impl RedisDirectory {
    /// Count `room`, about to be created by `who`, against its address's live rooms
    /// cluster-wide; `AddressRooms` when the address has its budget already.
    pub async fn count_room(&self, who: &Caller<'_>, room: &str) -> Result<(), DirectoryError> {
        if who.creator.is_none() {
            return Ok(());
        }
        let ok: i64 = self
            .run(
                ROOM_BUDGET
                    .arg(self.prefix())
                    .arg(who.address())
                    .arg(room)
                    .arg(who.max_rooms)
                    .arg(self.budget_grace_ms()),
            )
            .await?;
        if ok == 1 {
            Ok(())
        } else {
            Err(crate::lobby::LobbyError::AddressRooms(who.max_rooms).into())
        }
    }

    /// `room` was not created after all: it no longer counts for `who`.
    pub async fn uncount_room(&self, who: &Caller<'_>, room: &str) -> Result<(), DirectoryError> {
        let _: i64 = self
            .run(
                ROOM_BUDGET_RETURN
                    .arg(self.prefix())
                    .arg(who.address())
                    .arg(room),
            )
            .await?;
        Ok(())
    }
}
