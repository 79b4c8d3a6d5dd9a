//! Descriptors for `tests/browser/golden/sdk.json`: texts that `Schema::from_json`
//! reads (with the hash of the schema they describe) or refuses (with the kind of
//! [`SchemaError`] it reports), so the JS SDK checks descriptors by the same rules.

use super::sdk::error_kind;
use super::sdk_ballgame::ball_schema;
use serde_json::{Value, json};
use tickcast_shared::schema::{MAX_DESCRIPTOR_BYTES, Schema};
use tickcast_shared::sim::schema::arena_schema;

fn judged(mut vector: Value, text: &str) -> Value {
    match Schema::from_json(text) {
        Ok(schema) => {
            vector["error"] = Value::Null;
            vector["hash"] = json!(schema.hash().to_string());
            vector["canonical"] = json!(schema.canonical_json());
        }
        Err(e) => {
            vector["error"] = json!(error_kind(&e));
            vector["hash"] = Value::Null;
        }
    }
    vector
}

/// A small descriptor with keys in another order than the canonical one and the
/// keys that have defaults left out.
const TINY: &str = r#"{"events":[],"input":[],"kinds":[{"fields":[{"codec":{"signed":true,"bits":4,"type":"int"},"name":"a"},
    {"name":"p","codec":{"type":"vec2","scale":3},"parts":["px","py"]},
    {"hints":{"role":null,"motion":"interpolate"},"name":"h","codec":{"steps":7,"type":"angle"}},
    {"name":"r","codec":{"type":"ref","target":"player"},"hints":{"motion":"snap"}}],
    "name":"thing"}],"description":"","name":"tiny","format":1}"#;

/// The ball game's canonical descriptor followed by `pad` spaces.
fn padded(name: &str, pad: usize) -> Value {
    let text = format!("{}{}", ball_schema().canonical_json(), " ".repeat(pad));
    judged(
        json!({ "name": name, "base": "ballgame", "pad": pad }),
        &text,
    )
}

/// A descriptor given as its text.
fn vector(name: &str, text: String) -> Value {
    judged(json!({ "name": name, "text": text }), &text)
}

/// The ball game's descriptor with the value at `path` (keys and indexes) set to
/// `value` (appended when the index is one past the end), or removed for `None`.
/// The vector says so (`edit`) instead of holding the text, to keep the file small.
fn edit(name: &str, path: Value, value: Option<Value>) -> Value {
    let mut doc: Value = serde_json::from_str(&ball_schema().canonical_json()).unwrap();
    let steps = path.as_array().unwrap();
    let (last, parents) = steps.split_last().unwrap();
    let mut at = &mut doc;
    for step in parents {
        at = match step {
            Value::String(key) => &mut at[key.as_str()],
            index => &mut at[index.as_u64().unwrap() as usize],
        };
    }
    match (last, &value) {
        (Value::String(key), Some(v)) => at[key.as_str()] = v.clone(),
        (Value::String(key), None) => drop(at.as_object_mut().unwrap().remove(key)),
        (index, Some(v)) => {
            let list = at.as_array_mut().unwrap();
            let i = index.as_u64().unwrap() as usize;
            if i == list.len() {
                list.push(v.clone());
            } else {
                list[i] = v.clone();
            }
        }
        (_, None) => unreachable!("only keys are removed"),
    }
    let text = serde_json::to_string(&doc).unwrap();
    let edit = match value {
        Some(v) => json!({ "path": path, "value": v }),
        None => json!({ "path": path, "remove": true }),
    };
    judged(
        json!({ "name": name, "base": "ballgame", "edit": edit }),
        &text,
    )
}

/// Set the player's (kind 1) field `i`'s `key` (a key or a path below the field).
fn player(name: &str, i: usize, below: Value, value: Value) -> Value {
    let mut path = vec![json!("kinds"), json!(1), json!("fields"), json!(i)];
    path.extend(below.as_array().unwrap().iter().cloned());
    edit(name, Value::Array(path), Some(value))
}

fn codec_edit(name: &str, field: usize, codec: Value) -> Value {
    player(name, field, json!(["codec"]), codec)
}

/// Every descriptor vector (see the module docs).
pub fn descriptor_vectors() -> Vec<Value> {
    let ball = ball_schema();
    let field = |name: &str| json!({ "name": name, "codec": { "type": "int", "bits": 3, "signed": false } });
    let many = |n: usize, prefix: &str| {
        (0..n)
            .map(|i| field(&format!("{prefix}{i}")))
            .collect::<Vec<_>>()
    };
    let kinds = |n: usize| {
        json!(
            (0..n)
                .map(|i| json!({ "name": format!("k{i}"), "fields": [field("f")] }))
                .collect::<Vec<_>>()
        )
    };
    let events = |n: usize| {
        json!(
            (0..n)
                .map(|i| json!({ "name": format!("e{i}"), "fields": [] }))
                .collect::<Vec<_>>()
        )
    };
    let doc: Value = serde_json::from_str(&ball.canonical_json()).unwrap();
    let first_event = doc["events"][0].clone();
    let mut out = vec![
        vector("the ball game, canonical", ball.canonical_json()),
        vector("the arena, canonical", arena_schema().canonical_json()),
        vector("the arena, indented", arena_schema().pretty_json()),
        vector("defaults left out, keys in another order", TINY.to_owned()),
        vector(
            "the same, indented",
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(TINY).unwrap()).unwrap(),
        ),
        vector("no events key", TINY.replace(r#""events":[],"#, "")),
    ];
    out.extend([
        edit("format 2", json!(["format"]), Some(json!(2))),
        edit("an unknown top-level key", json!(["extra"]), Some(json!(1))),
        player("an unknown field key", 0, json!(["extra"]), json!(1)),
        player(
            "an unknown codec key",
            3,
            json!(["codec", "extra"]),
            json!(1),
        ),
        edit("no description", json!(["description"]), None),
        edit("no input", json!(["input"]), None),
        player(
            "hints without motion",
            0,
            json!(["hints"]),
            json!({ "role": null }),
        ),
        player(
            "hints without role",
            0,
            json!(["hints"]),
            json!({ "motion": "snap" }),
        ),
        player(
            "an unknown role",
            0,
            json!(["hints", "role"]),
            json!("size"),
        ),
        player(
            "an unknown motion",
            0,
            json!(["hints", "motion"]),
            json!("jump"),
        ),
        edit("name not a string", json!(["name"]), Some(Value::Null)),
        edit(
            "an upper-case game name",
            json!(["name"]),
            Some(json!("Ball")),
        ),
        edit(
            "a kind name of 33 letters",
            json!(["kinds", 0, "name"]),
            Some(json!("a".repeat(33))),
        ),
        edit(
            "a kind name of 32 letters",
            json!(["kinds", 0, "name"]),
            Some(json!("a".repeat(32))),
        ),
        player(
            "a name starting with a digit",
            2,
            json!(["name"]),
            json!("9lives"),
        ),
        player("a field named id", 11, json!(["name"]), json!("id")),
        player("a part named kind", 0, json!(["parts", 1]), json!("kind")),
        player("a duplicate field", 11, json!(["name"]), json!("score")),
        player(
            "a part named like a field",
            1,
            json!(["parts", 0]),
            json!("stamina"),
        ),
        edit(
            "a duplicate kind",
            json!(["kinds", 4, "name"]),
            Some(json!("ball")),
        ),
        edit("a duplicate event", json!(["events", 1]), Some(first_event)),
        edit(
            "a tab in the description",
            json!(["description"]),
            Some(json!("a\tb")),
        ),
        edit(
            "a description of 201 characters",
            json!(["description"]),
            Some(json!("x".repeat(201))),
        ),
        edit(
            "a non-ASCII description",
            json!(["description"]),
            Some(json!("caf\u{e9}")),
        ),
        edit("no kinds", json!(["kinds"]), Some(json!([]))),
        edit("17 kinds", json!(["kinds"]), Some(kinds(17))),
        edit("16 kinds", json!(["kinds"]), Some(kinds(16))),
        edit("65 events", json!(["events"]), Some(events(65))),
        edit("64 events", json!(["events"]), Some(events(64))),
        edit(
            "a kind without fields",
            json!(["kinds", 3, "fields"]),
            Some(json!([])),
        ),
        edit(
            "a kind of 17 fields",
            json!(["kinds", 3, "fields"]),
            Some(json!(many(17, "f"))),
        ),
        edit(
            "a kind of 16 fields",
            json!(["kinds", 3, "fields"]),
            Some(json!(many(16, "f"))),
        ),
        edit(
            "an input of 17 fields",
            json!(["input"]),
            Some(json!(many(17, "i"))),
        ),
        codec_edit(
            "int of 0 bits",
            11,
            json!({ "type": "int", "bits": 0, "signed": true }),
        ),
        codec_edit(
            "int of 33 bits",
            11,
            json!({ "type": "int", "bits": 33, "signed": true }),
        ),
        codec_edit(
            "int of 256 bits (not a u8)",
            11,
            json!({ "type": "int", "bits": 256, "signed": true }),
        ),
        codec_edit(
            "int of -1 bits",
            11,
            json!({ "type": "int", "bits": -1, "signed": true }),
        ),
        codec_edit(
            "int of 8.5 bits",
            11,
            json!({ "type": "int", "bits": 8.5, "signed": true }),
        ),
        codec_edit(
            "int of \"8\" bits",
            11,
            json!({ "type": "int", "bits": "8", "signed": true }),
        ),
        codec_edit(
            "int without signed",
            11,
            json!({ "type": "int", "bits": 8 }),
        ),
        codec_edit(
            "fixed of scale 0",
            11,
            json!({ "type": "fixed", "bits": 8, "signed": true, "scale": 0 }),
        ),
        codec_edit(
            "fixed of scale 2^32",
            11,
            json!({ "type": "fixed", "bits": 8, "signed": true, "scale": 4_294_967_296u64 }),
        ),
        codec_edit("angle of 1 step", 2, json!({ "type": "angle", "steps": 1 })),
        codec_edit(
            "angle of 65537 steps",
            2,
            json!({ "type": "angle", "steps": 65_537 }),
        ),
        codec_edit(
            "angle of 65536 steps",
            2,
            json!({ "type": "angle", "steps": 65_536 }),
        ),
        codec_edit(
            "enum of 0 variants",
            3,
            json!({ "type": "enum", "variants": 0 }),
        ),
        codec_edit(
            "enum of 257 variants",
            3,
            json!({ "type": "enum", "variants": 257 }),
        ),
        codec_edit(
            "enum of 1 variant (too few labels left)",
            3,
            json!({ "type": "enum", "variants": 1 }),
        ),
        codec_edit("flags of 0 bits", 5, json!({ "type": "flags", "bits": 0 })),
        codec_edit("vec2 of scale 0", 0, json!({ "type": "vec2", "scale": 0 })),
        codec_edit(
            "an unknown codec",
            11,
            json!({ "type": "int64", "bits": 8 }),
        ),
        codec_edit(
            "a ref to a team",
            6,
            json!({ "type": "ref", "target": "team" }),
        ),
        codec_edit(
            "float32 with bits",
            9,
            json!({ "type": "float32", "bits": 32 }),
        ),
        player("a vec2 with one part", 0, json!(["parts"]), json!(["x"])),
        player("an int with parts", 11, json!(["parts"]), json!(["a", "b"])),
        player("labels on an int", 11, json!(["labels"]), json!(["a"])),
        player("a label named badly", 3, json!(["labels", 0]), json!("Red")),
        player(
            "interpolated flags",
            5,
            json!(["hints", "motion"]),
            json!("interpolate"),
        ),
        player(
            "an interpolated ref",
            6,
            json!(["hints", "motion"]),
            json!("interpolate"),
        ),
        vector("not JSON", "{\"format\":1,".to_owned()),
        vector("an array", "[]".to_owned()),
        vector("trailing text", format!("{TINY} x")),
        vector(
            "a key twice",
            TINY.replace(r#""name":"tiny""#, r#""name":"tiny","name":"tiny""#),
        ),
        vector(
            "bits written 4.0",
            TINY.replace(r#""bits":4"#, r#""bits":4.0"#),
        ),
        vector(
            "bits written 4e0",
            TINY.replace(r#""bits":4"#, r#""bits":4e0"#),
        ),
        vector(
            "bits written 4 with spaces",
            TINY.replace(r#""bits":4"#, r#""bits" :  4 "#),
        ),
        vector(
            "scale written -0",
            TINY.replace(r#""scale":3"#, r#""scale":-0"#),
        ),
        vector(
            "a lone surrogate escape",
            TINY.replace(r#""description":"""#, r#""description":"\ud800""#),
        ),
        vector(
            "a surrogate pair escape",
            TINY.replace(r#""description":"""#, r#""description":"\ud83d\ude00""#),
        ),
        vector(
            "an escaped letter in a name",
            TINY.replace(r#""name":"tiny""#, r#""name":"t\u0069ny""#),
        ),
        vector(
            "nesting 200 deep",
            format!("{}{}", "[".repeat(200), "]".repeat(200)),
        ),
        codec_edit(
            "float32 with an ignored fraction",
            9,
            json!({ "type": "float32", "x": 1.5 }),
        ),
    ]);
    let over = MAX_DESCRIPTOR_BYTES + 1 - ball.canonical_json().len();
    out.push(padded("one byte over the size limit", over));
    out.push(padded("at the size limit", over - 1));
    out
}
