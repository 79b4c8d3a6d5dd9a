//! The player table: who the players named in events are.

use super::*;

#[test]
fn events_name_seated_and_just_departed_players_once_each() {
    let info = WelcomeInfo {
        tick_rate: 60,
        send_rate: 20,
        game: "arena".into(),
        schema_hash: tickcast_shared::schema::SchemaHash(1),
        schema: "{}".into(),
        config: "{}".into(),
        room: super::super::RoomId::random(),
    };
    let rules = InputRules {
        buffer: 8,
        repeat_ticks: 8,
        max_rewind_ticks: 15,
    };
    let mut t = PlayerTable::new(info, rules);
    let ann = t.join("Ann".into(), Some("u-ann".into()), 1);
    let bo = t.join("Bo".into(), None, 2);
    assert_eq!(t.subs(), vec!["u-ann".to_owned()]);
    assert!(t.remove(bo).is_some());
    let events = [
        GameEvent::Kill {
            killer: ann,
            victim: bo,
        },
        GameEvent::Left { player: bo },
        GameEvent::Left {
            player: PlayerId(99),
        },
    ];
    let who = |player, sub: Option<&str>, name: &str| PlayerIdentity {
        player,
        sub: sub.map(str::to_owned),
        name: name.to_owned(),
    };
    assert_eq!(
        t.identities(&events),
        vec![who(ann, Some("u-ann"), "Ann"), who(bo, None, "Bo")],
        "each once; an unknown player is left out"
    );
    // The departed are forgotten after the step that named them.
    assert_eq!(t.identities(&events), vec![who(ann, Some("u-ann"), "Ann")]);
}
