//! One field of an entity kind, an input or an event: a name, a codec and the hints
//! that tell a client how to show it.
//!
//! Constructors name the codec (`Field::int`, `Field::vec2`, ...); the hint setters
//! chain: `Field::angle("angle", 512).role(Role::Heading).interpolate()`. A field
//! snaps (takes each new value as it comes) unless it says `interpolate`.

use super::codec::{FieldCodec, RefTarget};
use serde::{Deserialize, Serialize};

/// How a client moves a field between two received values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Motion {
    /// Show the newest value as it is.
    #[default]
    Snap,
    /// Blend between the two values around the render time (angles the short way).
    Interpolate,
}

/// What a field means to a renderer (a spectator view draws any game from these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Where the entity is (a `vec2`).
    Position,
    /// How fast it moves (a `vec2`).
    Velocity,
    /// Where it faces.
    Heading,
    /// Its size.
    Radius,
    /// Its colour (a palette index or packed RGB).
    Colour,
    /// Its hit points, drawn as a bar.
    Health,
    /// Its score, for a scoreboard.
    Score,
    /// Who owns or controls it.
    Owner,
    /// Which side it plays for.
    Team,
    /// A short text or number to draw beside it.
    Label,
    /// State bits (dead, stunned, ...), drawn as markers.
    State,
}

/// A client's hints for one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hints {
    pub motion: Motion,
    pub role: Option<Role>,
}

/// One field: a name (unique in its list), a codec, for a `vec2` the names of its two
/// parts, for an `enum` or `flags` optional labels (per variant or bit), and hints.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    pub codec: FieldCodec,
    /// The names of a `vec2`'s parts (e.g. `["x", "y"]`); empty for other codecs.
    #[serde(default)]
    pub parts: Vec<String>,
    /// Names of an `enum`'s variants or of `flags`' bits (from bit 0); may be empty.
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub hints: Hints,
}

impl Field {
    /// A field with `codec` and default hints.
    pub fn new(name: &str, codec: FieldCodec) -> Field {
        Field {
            name: name.to_owned(),
            codec,
            parts: Vec::new(),
            labels: Vec::new(),
            hints: Hints::default(),
        }
    }

    /// A signed integer `bits` wide.
    pub fn int(name: &str, bits: u8) -> Field {
        Field::new(name, FieldCodec::Int { bits, signed: true })
    }

    /// An unsigned integer `bits` wide.
    pub fn uint(name: &str, bits: u8) -> Field {
        Field::new(
            name,
            FieldCodec::Int {
                bits,
                signed: false,
            },
        )
    }

    /// A signed fixed-point number `bits` wide, in steps of `1 / scale`.
    pub fn fixed(name: &str, bits: u8, scale: u32) -> Field {
        Field::new(
            name,
            FieldCodec::Fixed {
                bits,
                signed: true,
                scale,
            },
        )
    }

    /// A direction in `steps` steps per turn.
    pub fn angle(name: &str, steps: u32) -> Field {
        Field::new(name, FieldCodec::Angle { steps })
    }

    /// A 2-D vector in steps of `1 / scale` units whose parts are named `parts`.
    pub fn vec2(name: &str, parts: [&str; 2], scale: u32) -> Field {
        Field {
            parts: parts.iter().map(|p| (*p).to_owned()).collect(),
            ..Field::new(name, FieldCodec::Vec2 { scale })
        }
    }

    /// `bits` independent flag bits.
    pub fn flags(name: &str, bits: u8) -> Field {
        Field::new(name, FieldCodec::Flags { bits })
    }

    /// One of `variants` values.
    pub fn enumeration(name: &str, variants: u32) -> Field {
        Field::new(name, FieldCodec::Enum { variants })
    }

    /// The network id of another entity.
    pub fn entity_ref(name: &str) -> Field {
        Field::new(
            name,
            FieldCodec::Ref {
                target: RefTarget::Entity,
            },
        )
    }

    /// A player's id.
    pub fn player_ref(name: &str) -> Field {
        Field::new(
            name,
            FieldCodec::Ref {
                target: RefTarget::Player,
            },
        )
    }

    /// A 32-bit float, kept bit for bit.
    pub fn float32(name: &str) -> Field {
        Field::new(name, FieldCodec::Float32)
    }

    /// Set the render role.
    pub fn role(mut self, role: Role) -> Field {
        self.hints.role = Some(role);
        self
    }

    /// Ask clients to interpolate the field.
    pub fn interpolate(mut self) -> Field {
        self.hints.motion = Motion::Interpolate;
        self
    }

    /// Name the enum's variants or the flags' bits (from bit 0).
    pub fn labels(mut self, labels: &[&str]) -> Field {
        self.labels = labels.iter().map(|l| (*l).to_owned()).collect();
        self
    }

    /// The names the field takes in a row (a `vec2`: its two parts; else its name).
    pub fn value_names(&self) -> impl Iterator<Item = &str> {
        let own = self.parts.is_empty().then_some(self.name.as_str());
        own.into_iter().chain(self.parts.iter().map(String::as_str))
    }
}
