use super::*;
use serde_json::json;

fn room(id: u64, players: u32, tick: u32) -> Value {
    json!({ "id": id, "name": format!("r{id}"), "players": players, "tick": tick })
}

fn events(changes: &[Arc<Change>]) -> Vec<(u64, &'static str)> {
    changes.iter().map(|c| (c.id, c.event)).collect()
}

#[test]
fn changes_get_increasing_ids_and_tick_alone_is_no_change() {
    let mut log = RoomListLog::new(1000, 16);
    assert_eq!(log.last_id(), 999);
    let first = log.apply(vec![room(1, 0, 5), room(2, 0, 5)]);
    assert_eq!(events(&first), vec![(1000, "room"), (1001, "room")]);
    assert_eq!(
        first[0].text,
        Bytes::from("event: room\nid: 1000\ndata: {\"id\":1,\"name\":\"r1\",\"players\":0}\n\n")
    );
    // Only the tick moved: nothing to say.
    assert!(log.apply(vec![room(1, 0, 90), room(2, 0, 90)]).is_empty());
    // Room 1 got a player, room 2 went away, room 3 came.
    let next = log.apply(vec![room(1, 1, 99), room(3, 0, 1)]);
    assert_eq!(
        events(&next),
        vec![(1002, "room"), (1003, "room"), (1004, "removed")]
    );
    assert_eq!(
        next[2].text,
        Bytes::from("event: removed\nid: 1004\ndata: {\"id\":2}\n\n")
    );
    assert_eq!(log.last_id(), 1004);
}

#[test]
fn the_full_list_carries_the_newest_id_and_follows_changes() {
    let mut log = RoomListLog::new(1, 16);
    assert_eq!(
        log.full_list(),
        Bytes::from("event: rooms\nid: 0\ndata: []\n\n")
    );
    log.apply(vec![room(7, 2, 3)]);
    assert_eq!(
        log.full_list(),
        Bytes::from("event: rooms\nid: 1\ndata: [{\"id\":7,\"name\":\"r7\",\"players\":2}]\n\n")
    );
    log.apply(vec![]);
    assert_eq!(
        log.full_list(),
        Bytes::from("event: rooms\nid: 2\ndata: []\n\n")
    );
}

#[test]
fn resume_is_exact_inside_the_window_and_a_reset_outside() {
    let mut log = RoomListLog::new(100, 3);
    // Nothing happened yet: resuming at the start is exact and empty.
    assert_eq!(log.resume(99), Resume::Exact(vec![]));
    for players in 1..=5 {
        log.apply(vec![room(1, players, 0)]);
    }
    // Ids 100..=104 were given; 102..=104 are kept.
    let ids = |r: Resume| match r {
        Resume::Exact(c) => c.iter().map(|c| c.id).collect::<Vec<_>>(),
        Resume::Reset(why) => panic!("reset: {why}"),
    };
    assert_eq!(ids(log.resume(101)), vec![102, 103, 104]);
    assert_eq!(ids(log.resume(103)), vec![104]);
    assert_eq!(ids(log.resume(104)), Vec::<u64>::new());
    assert!(matches!(log.resume(100), Resume::Reset(_)));
    assert!(matches!(log.resume(105), Resume::Reset(_)));
    assert!(matches!(log.resume(0), Resume::Reset(_)));
}

#[test]
fn string_ids_duplicates_and_objects_without_id() {
    let mut log = RoomListLog::new(1, 8);
    let list = vec![
        json!({ "id": "a1", "players": 0 }),
        json!({ "id": "a1", "players": 5 }),
        json!({ "name": "no id" }),
        json!(17),
    ];
    let changes = log.apply(list);
    assert_eq!(events(&changes), vec![(1, "room")]);
    assert_eq!(log.rooms().count(), 1);
    let gone = log.apply(vec![]);
    assert_eq!(
        gone[0].text,
        Bytes::from("event: removed\nid: 2\ndata: {\"id\":\"a1\"}\n\n")
    );
}
