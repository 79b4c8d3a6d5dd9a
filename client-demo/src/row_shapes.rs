//! Any game's rows as shapes to draw, from the schema's render roles alone (the
//! native twin of the browser SDK's `render.js`), so a replay of a game the client
//! has no drawing code for is still watchable:
//! - a row whose kind has a `position` (a `vec2`) is a [`Shape`] there: sized by its
//!   `radius` field (world units), pointing by its `heading` (radians), painted by
//!   its `colour` (palette index, or packed `0xRRGGBB` above the palette), else its
//!   `team`, else its kind; `health` becomes a bar; `label`, `score` and `owner`
//!   a caption;
//! - a row without a position (a match clock, a team score) is a text line.
//!
//! Pure data (no window), so it is tested without one; `render_rows` draws it.

use glam::Vec2;
use tickcast_shared::codec::Row;
use tickcast_shared::schema::{Field, FieldCodec, Kind, Role, Schema};
use tickcast_shared::spectate::row_json::in_units;

/// What paints a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    /// A `colour` value: a palette index, or packed `0xRRGGBB` past the palette.
    Colour(u32),
    /// A `team` value.
    Team(u32),
    /// No colour field: the kind's index.
    Kind(u8),
}

/// One positioned row.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// World units, y up.
    pub pos: Vec2,
    /// World units; `None`: the renderer's default size.
    pub radius: Option<f32>,
    /// Radians.
    pub heading: Option<f32>,
    pub paint: Paint,
    /// The row's `health` value (the renderer scales it by the most it has seen).
    pub health: Option<f32>,
    /// Label, score and owner, as text (empty: none).
    pub caption: String,
}

/// A frame's rows as shapes and text lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shapes {
    pub placed: Vec<Shape>,
    /// Rows without a position: `kind: name=value ...`.
    pub loose: Vec<String>,
}

/// Where one kind's roles are among its values.
#[derive(Debug, Clone, Default)]
struct KindRoles {
    position: Option<(usize, FieldCodec)>,
    radius: Option<(usize, FieldCodec)>,
    heading: Option<(usize, FieldCodec)>,
    colour: Option<(usize, FieldCodec)>,
    team: Option<(usize, FieldCodec)>,
    health: Option<(usize, FieldCodec)>,
    caption: Vec<(usize, FieldCodec, Role)>,
}

impl KindRoles {
    fn of(kind: &Kind) -> KindRoles {
        let mut roles = KindRoles::default();
        for (at, field) in kind.layout() {
            let Some(role) = field.hints.role else {
                continue;
            };
            let vec2 = matches!(field.codec, FieldCodec::Vec2 { .. });
            let slot = match role {
                Role::Position if vec2 => &mut roles.position,
                _ if vec2 || field.codec.values() != 1 => continue,
                Role::Radius => &mut roles.radius,
                Role::Heading => &mut roles.heading,
                Role::Colour => &mut roles.colour,
                Role::Team => &mut roles.team,
                Role::Health => &mut roles.health,
                Role::Label | Role::Score | Role::Owner => {
                    roles.caption.push((at, field.codec, role));
                    continue;
                }
                _ => continue,
            };
            // The first field of a role counts.
            slot.get_or_insert((at, field.codec));
        }
        roles
    }
}

/// The shapes of one schema's rows (the kinds' roles worked out once).
#[derive(Debug, Clone)]
pub struct RowShapes {
    schema: &'static Schema,
    roles: Vec<KindRoles>,
}

impl RowShapes {
    pub fn new(schema: &'static Schema) -> RowShapes {
        RowShapes {
            schema,
            roles: schema.kinds().iter().map(KindRoles::of).collect(),
        }
    }

    /// The shapes and text lines of `rows` (rows of unknown kinds are left out).
    pub fn shapes(&self, rows: &[Row]) -> Shapes {
        let mut out = Shapes::default();
        for row in rows {
            let (Some(roles), Some(kind)) = (
                self.roles.get(usize::from(row.kind)),
                self.schema.kind(usize::from(row.kind)),
            ) else {
                continue;
            };
            let units = |slot: Option<(usize, FieldCodec)>| {
                let (at, codec) = slot?;
                in_units(codec, *row.values.get(at)?).map(|v| v as f32)
            };
            let Some((at, codec)) = roles.position else {
                out.loose.push(line(kind, row));
                continue;
            };
            let (Some(x), Some(y)) = (units(Some((at, codec))), units(Some((at + 1, codec))))
            else {
                continue;
            };
            let whole = |slot: Option<(usize, FieldCodec)>| {
                slot.and_then(|(at, _)| row.values.get(at))
                    .map(|&v| v as u32)
            };
            let paint = match (whole(roles.colour), whole(roles.team)) {
                (Some(c), _) => Paint::Colour(c),
                (None, Some(t)) => Paint::Team(t),
                (None, None) => Paint::Kind(row.kind),
            };
            let caption = roles
                .caption
                .iter()
                .filter_map(|&(at, codec, role)| {
                    let v = in_units(codec, *row.values.get(at)?)?;
                    match role {
                        Role::Owner if v == 0.0 => None,
                        Role::Owner => Some(format!("P{v}")),
                        _ => Some(format!("{v}")),
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            out.placed.push(Shape {
                pos: Vec2::new(x, y),
                radius: units(roles.radius).filter(|r| r.is_finite() && *r > 0.0),
                heading: units(roles.heading).filter(|h| h.is_finite()),
                paint,
                health: units(roles.health),
                caption,
            });
        }
        out
    }
}

/// A row without a position as `kind: name=value ...` (zero values left out).
fn line(kind: &Kind, row: &Row) -> String {
    let mut text = kind.name.clone();
    text.push(':');
    for (at, field) in kind.layout() {
        for (i, name) in Field::value_names(field).enumerate() {
            let Some(&v) = row.values.get(at + i) else {
                continue;
            };
            if let (true, Some(u)) = (v != 0, in_units(field.codec, v)) {
                text.push_str(&format!(" {name}={u}"));
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use tickcast_shared::protocol::NetId;
    use tickcast_shared::schema::Field;

    fn schema() -> &'static Schema {
        static SCHEMA: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
        SCHEMA.get_or_init(|| {
            Schema::builder("shapes")
                .kind("puck", |k| {
                    k.field(Field::vec2("pos", ["x", "y"], 16).role(Role::Position))
                        .field(Field::fixed("size", 8, 2).role(Role::Radius))
                        .field(Field::uint("side", 2).role(Role::Team))
                        .field(Field::uint("goals", 4).role(Role::Score))
                })
                .kind("clock", |k| k.field(Field::uint("left", 16)))
                .build()
                .unwrap()
        })
    }

    #[test]
    fn positioned_rows_become_shapes_and_the_rest_text_lines() {
        let shapes = RowShapes::new(schema());
        let row = |id: u32, kind: u8, values: &[i32]| {
            let mut row = Row::new(NetId(id), kind);
            row.values[..values.len()].copy_from_slice(values);
            row
        };
        let rows = [
            row(1, 0, &[160, -32, 9, 1, 3]),
            row(2, 1, &[90]),
            row(3, 7, &[]),
        ];
        let out = shapes.shapes(&rows);
        assert_eq!(out.placed.len(), 1);
        let puck = &out.placed[0];
        assert_eq!(puck.pos, Vec2::new(10.0, -2.0));
        assert_eq!(puck.radius, Some(4.5));
        assert_eq!(puck.paint, Paint::Team(1));
        assert_eq!(puck.heading, None);
        assert_eq!(puck.caption, "3");
        assert_eq!(out.loose, ["clock: left=90"]);
    }

    #[test]
    fn a_ball_match_draws_its_ball_and_players_and_lists_its_match_row() {
        use tickcast_shared::game::{Game, RoomOptions, StepCommands};
        use tickcast_shared::protocol::PlayerId;
        let options = RoomOptions {
            tick_rate: 60,
            seats: 2,
            ..RoomOptions::default()
        };
        let config = tickcast_ball::Ball::configure(&options).unwrap();
        let mut game = tickcast_ball::Ball::new(&config, 7);
        let joins = StepCommands {
            joins: vec![PlayerId(1), PlayerId(2)],
            ..StepCommands::default()
        };
        game.step(&joins);
        let mut rows = Vec::new();
        game.view(&mut rows);
        let schema = tickcast_ball::Ball::schema();
        let out = RowShapes::new(schema).shapes(&rows);
        // The ball and both players are placed, each with a size; the match row
        // (scores and clock, no position) is a text line.
        assert_eq!(out.placed.len(), 3, "{out:?}");
        assert!(out.placed.iter().all(|s| s.radius.is_some_and(|r| r > 0.0)));
        assert!(out.placed.iter().any(|s| matches!(s.paint, Paint::Team(_))));
        assert_eq!(out.loose.len(), 1, "{out:?}");
        assert!(out.loose[0].starts_with("match:"), "{out:?}");
    }
}
