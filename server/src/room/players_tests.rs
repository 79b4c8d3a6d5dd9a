//! The player table: who the players named in events are.

use super::*;
use tickcast_shared::schema::Field;

/// An empty player table of an arena room (60 Hz, 20 snapshots a second).
fn table() -> PlayerTable {
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
    PlayerTable::new(info, rules)
}

#[test]
fn events_name_seated_and_just_departed_players_once_each() {
    let mut t = table();
    let ann = t.join("Ann".into(), Some("u-ann".into()), 1);
    let bo = t.join("Bo".into(), None, 2);
    assert_eq!(t.subs(), vec!["u-ann".to_owned()]);
    assert!(t.remove(bo).is_some());
    // A schema of its own: "hit" names two players (and an entity between them),
    // "gone" one.
    let schema = tickcast_shared::schema::Schema::builder("test")
        .kind("thing", |k| k.field(Field::uint("n", 8)))
        .event("hit", |e| {
            e.field(Field::player_ref("by"))
                .field(Field::entity_ref("with"))
                .field(Field::player_ref("on"))
        })
        .event("gone", |e| e.field(Field::player_ref("who")))
        .build()
        .unwrap();
    let row = |event, values: &[u32]| EventRow {
        event,
        values: values.iter().map(|&v| v as i32).collect(),
    };
    let events = [
        row(0, &[ann.0, 77, bo.0]),
        row(1, &[bo.0]),
        row(1, &[99]),
        row(5, &[ann.0]),
    ];
    let who = |player, sub: Option<&str>, name: &str| PlayerIdentity {
        player,
        sub: sub.map(str::to_owned),
        name: name.to_owned(),
    };
    assert_eq!(
        t.identities(&events, &schema),
        vec![who(ann, Some("u-ann"), "Ann"), who(bo, None, "Bo")],
        "each once; an unknown player is left out"
    );
    // The departed are forgotten after the step that named them.
    assert_eq!(
        t.identities(&events, &schema),
        vec![who(ann, Some("u-ann"), "Ann")]
    );
}

#[test]
fn a_welcome_names_everyone_already_in_the_world() {
    let mut t = table();
    let ann = t.join("Ann".into(), Some("u-ann".into()), 1);
    t.welcome_joined(Tick(1), |p| Some(NetId(p.0 + 100)));
    let bo = t.join("Bo".into(), None, 2);
    let cy = t.join("Cy".into(), None, 3);
    let answers = t.welcome_joined(Tick(2), |p| Some(NetId(p.0 + 100)));
    assert_eq!(answers.len(), 2);
    let names =
        |welcome: &Bytes| match tickcast_shared::codec::decode_server(welcome, welcome.len()) {
            Ok(ServerMsg::Welcome { players, .. }) => players
                .into_iter()
                .map(|p| (p.player, p.name))
                .collect::<Vec<_>>(),
            other => panic!("not a Welcome: {other:?}"),
        };
    let everyone = vec![
        (ann, "Ann".to_owned()),
        (bo, "Bo".to_owned()),
        (cy, "Cy".to_owned()),
    ];
    // Bo and Cy, welcomed in the same step, each learn of Ann and of each other.
    for (_, welcomed) in &answers {
        assert_eq!(names(&welcomed.welcome), everyone);
    }
    // A player who left is not in a later Welcome; one still joining is not yet.
    assert!(t.remove(bo).is_some());
    let dee = t.join("Dee".into(), None, 4);
    let token = t
        .players
        .get(&ann)
        .map(|p| p.token.clone())
        .unwrap_or_default();
    let resumed = t.resume(&token, Tick(3)).map_err(|e| e.reason).unwrap();
    assert_eq!(
        names(&resumed.welcomed.welcome),
        vec![(ann, "Ann".to_owned()), (cy, "Cy".to_owned())],
        "{dee:?} is still pending"
    );
}
