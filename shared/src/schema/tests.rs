//! Schema tests: the builder's typed errors, the descriptor's round trip and the
//! hash's stability and sensitivity.

use super::*;

fn ball_game() -> SchemaBuilder {
    Schema::builder("ball")
        .describe("a ball and two teams")
        .kind("ball", |k| {
            k.field(
                Field::vec2("pos", ["x", "y"], 32)
                    .role(Role::Position)
                    .interpolate(),
            )
            .field(Field::fixed("spin", 12, 64).interpolate())
        })
        .kind("player", |k| {
            k.field(Field::vec2("pos", ["x", "y"], 32).role(Role::Position))
                .field(Field::uint("stamina", 7).role(Role::Health))
                .field(Field::enumeration("team", 2).labels(&["red", "blue"]))
                .field(Field::entity_ref("marking"))
        })
        .input(|i| {
            i.field(Field::angle("run", 64))
                .field(Field::flags("buttons", 3))
        })
        .event("goal", |e| e.field(Field::player_ref("scorer")))
}

#[test]
fn builder_accepts_a_valid_schema() {
    let schema = ball_game().build().unwrap();
    assert_eq!(schema.name(), "ball");
    assert_eq!(schema.kind_index("player"), Some(1));
    let player = schema.kind(1).unwrap();
    assert_eq!(player.values(), 5);
    assert_eq!(player.value_index("y"), Some(1));
    assert_eq!(player.value_index("stamina"), Some(2));
    assert_eq!(player.value_index("marking"), Some(4));
    assert_eq!(player.value_index("pos"), None);
}

#[test]
fn builder_refuses_too_many_fields() {
    let err = Schema::builder("g")
        .kind("k", |k| {
            k.fields((0..=MAX_FIELDS).map(|i| Field::uint(&format!("f{i}"), 8)))
        })
        .build();
    assert_eq!(
        err,
        Err(SchemaError::TooManyFields {
            owner: "kind k".into(),
            count: MAX_FIELDS + 1,
            max: MAX_FIELDS
        })
    );
    // Exactly the cap is fine, even all 2-D vectors.
    let full =
        Schema::builder("g")
            .kind("k", |k| {
                k.fields((0..MAX_FIELDS).map(|i| {
                    Field::vec2(&format!("v{i}"), [&format!("x{i}"), &format!("y{i}")], 1)
                }))
            })
            .build()
            .unwrap();
    assert_eq!(full.kind(0).unwrap().values(), MAX_VALUES);
}

#[test]
fn builder_refuses_duplicate_names() {
    let twice = |b: SchemaBuilder| b.build().unwrap_err();
    let dup = |owner: &str, name: &str| SchemaError::DuplicateName {
        owner: owner.into(),
        name: name.into(),
    };
    let field = twice(ball_game().kind("k", |k| {
        k.field(Field::uint("a", 8)).field(Field::int("a", 8))
    }));
    assert_eq!(field, dup("kind k", "a"));
    let part = twice(ball_game().kind("k", |k| {
        k.field(Field::uint("x", 8))
            .field(Field::vec2("pos", ["x", "y"], 1))
    }));
    assert_eq!(part, dup("kind k", "x"));
    let kind = twice(ball_game().kind("ball", |k| k.field(Field::uint("a", 8))));
    assert_eq!(kind, dup("the kinds", "ball"));
    let event = twice(ball_game().event("goal", |e| e));
    assert_eq!(event, dup("the events", "goal"));
}

#[test]
fn builder_refuses_empty_schemas_and_kinds() {
    assert_eq!(Schema::builder("g").build(), Err(SchemaError::NoKinds));
    assert_eq!(
        ball_game().kind("empty", |k| k).build(),
        Err(SchemaError::NoFields {
            owner: "kind empty".into()
        })
    );
    let many = (0..=MAX_KINDS).fold(Schema::builder("g"), |b, i| {
        b.kind(&format!("k{i}"), |k| k.field(Field::uint("a", 1)))
    });
    assert!(matches!(
        many.build(),
        Err(SchemaError::TooManyKinds { .. })
    ));
}

#[test]
fn builder_refuses_bad_names_codecs_and_hints() {
    let bad_name = ball_game().kind("Big", |k| k.field(Field::uint("a", 8)));
    assert!(matches!(bad_name.build(), Err(SchemaError::BadName { .. })));
    let reserved = ball_game().kind("k", |k| k.field(Field::uint("id", 8)));
    assert!(matches!(
        reserved.build(),
        Err(SchemaError::ReservedName { .. })
    ));
    for field in [
        Field::uint("a", 0),
        Field::int("a", 33),
        Field::angle("a", 1),
        Field::enumeration("a", 257),
        Field::vec2("a", ["x", "y"], 0),
        Field::fixed("a", 8, 0),
        Field::flags("a", 2).labels(&["p", "q", "r"]),
        Field::uint("a", 8).labels(&["p"]),
        Field::flags("a", 2).interpolate(),
        Field::entity_ref("a").interpolate(),
    ] {
        let built = ball_game().kind("k", |k| k.field(field.clone())).build();
        assert!(
            matches!(built, Err(SchemaError::BadField { .. })),
            "{field:?}: {built:?}"
        );
    }
}

#[test]
fn descriptor_round_trips_and_hash_is_stable() {
    let schema = ball_game().build().unwrap();
    let canonical = schema.canonical_json();
    assert!(!canonical.contains('\n') && !canonical.contains("\": "));
    let back = Schema::from_json(&canonical).unwrap();
    assert_eq!(back, schema);
    assert_eq!(back.canonical_json(), canonical);
    assert_eq!(back.hash(), schema.hash());
    // Any layout of the same descriptor reads back to the same schema and hash.
    let pretty = Schema::from_json(&schema.pretty_json()).unwrap();
    assert_eq!(pretty.hash(), schema.hash());
    assert_eq!(schema.hash().to_string().len(), 16);
}

#[test]
fn any_change_changes_the_hash() {
    let base = ball_game().build().unwrap().hash();
    let variants = [
        ball_game().describe("other words"),
        ball_game().kind("extra", |k| k.field(Field::uint("a", 8))),
        ball_game().event("out", |e| e),
        Schema::builder("ball")
            .kind("ball", |k| k.field(Field::vec2("pos", ["x", "y"], 33)))
            .kind("player", |k| k.field(Field::uint("stamina", 7))),
    ];
    for variant in variants {
        assert_ne!(variant.build().unwrap().hash(), base);
    }
    // One field's hint alone.
    let mut json: serde_json::Value =
        serde_json::from_str(&ball_game().build().unwrap().canonical_json()).unwrap();
    json["kinds"][0]["fields"][1]["hints"]["motion"] = "snap".into();
    let changed = Schema::from_json(&json.to_string()).unwrap();
    assert_ne!(changed.hash(), base);
}

#[test]
fn hostile_descriptors_are_refused_with_typed_errors() {
    let canonical = ball_game().build().unwrap().canonical_json();
    let future = canonical.replacen("\"format\":1", "\"format\":2", 1);
    assert_eq!(
        Schema::from_json(&future),
        Err(SchemaError::UnsupportedFormat {
            found: 2,
            supported: FORMAT_VERSION
        })
    );
    let unknown = canonical.replacen("\"format\":1", "\"format\":1,\"extra\":0", 1);
    assert!(matches!(
        Schema::from_json(&unknown),
        Err(SchemaError::Json(_))
    ));
    let huge = " ".repeat(MAX_DESCRIPTOR_BYTES + 1);
    assert_eq!(
        Schema::from_json(&huge),
        Err(SchemaError::TooLarge {
            max: MAX_DESCRIPTOR_BYTES
        })
    );
    let bad_codec = canonical.replacen("\"bits\":7", "\"bits\":40", 1);
    assert!(matches!(
        Schema::from_json(&bad_codec),
        Err(SchemaError::BadField { .. })
    ));
    for junk in ["", "null", "[]", "{\"format\":1}", "{{{{"] {
        assert!(Schema::from_json(junk).is_err(), "{junk}");
    }
}
