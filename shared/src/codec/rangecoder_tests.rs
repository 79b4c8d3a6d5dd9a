//! Unit tests of the bit writer/reader (the range coder).

use super::*;
use proptest::prelude::*;

/// One coded item: an adaptive bit in one of four contexts, or raw bits.
#[derive(Debug, Clone)]
enum Item {
    Bit { ctx: usize, bit: bool },
    Direct { value: u32, n: u32 },
}

fn arb_item() -> impl Strategy<Value = Item> {
    prop_oneof![
        (0..4usize, any::<bool>()).prop_map(|(ctx, bit)| Item::Bit { ctx, bit }),
        (any::<u32>(), 0..=32u32).prop_map(|(value, n)| Item::Direct { value, n }),
    ]
}

fn encode(items: &[Item]) -> Vec<u8> {
    let mut enc = RangeEncoder::new();
    let mut probs = [Prob::HALF; 4];
    for item in items {
        match *item {
            Item::Bit { ctx, bit } => {
                enc.bit(&mut probs[ctx], bit).unwrap();
            }
            Item::Direct { value, n } => {
                enc.direct(value, n).unwrap();
            }
        }
    }
    enc.finish()
}

fn decode(items: &[Item], bytes: &[u8]) -> Result<Vec<Item>, DeltaError> {
    let mut dec = RangeDecoder::new(bytes)?;
    let mut probs = [Prob::HALF; 4];
    let mut out = Vec::new();
    for item in items {
        out.push(match *item {
            Item::Bit { ctx, .. } => Item::Bit {
                ctx,
                bit: dec.bit(&mut probs[ctx], false)?,
            },
            Item::Direct { n, .. } => Item::Direct {
                value: dec.direct(0, n)?,
                n,
            },
        });
    }
    dec.finish()?;
    Ok(out)
}

fn masked(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| match *i {
            Item::Bit { ctx, bit } => format!("b{ctx}{bit}"),
            Item::Direct { value, n } => {
                let v = if n == 32 {
                    value
                } else {
                    value & ((1 << n) - 1)
                };
                format!("d{n}:{v}")
            }
        })
        .collect()
}

#[test]
fn empty_stream_is_four_bytes() {
    let bytes = RangeEncoder::new().finish();
    assert_eq!(bytes, vec![0, 0, 0, 0]);
    RangeDecoder::new(&bytes).unwrap().finish().unwrap();
    assert_eq!(
        RangeDecoder::new(&bytes[..3]).err(),
        Some(DeltaError::Truncated)
    );
}

#[test]
fn predictable_bits_cost_almost_nothing() {
    let items = vec![Item::Bit { ctx: 0, bit: true }; 10_000];
    let bytes = encode(&items);
    // ~0.011 bit each once adapted, plus the learning and the 4-byte flush.
    assert!(bytes.len() < 40, "{} bytes", bytes.len());
    assert_eq!(masked(&decode(&items, &bytes).unwrap()), masked(&items));
}

#[test]
fn direct_bits_cost_one_bit_each() {
    let items: Vec<Item> = (0..1000u32)
        .map(|i| Item::Direct {
            value: i.wrapping_mul(2_654_435_761),
            n: 8,
        })
        .collect();
    let bytes = encode(&items);
    assert!(
        (1000..=1004).contains(&bytes.len()),
        "{} bytes",
        bytes.len()
    );
    assert_eq!(masked(&decode(&items, &bytes).unwrap()), masked(&items));
}

#[test]
fn carries_propagate_through_ff_runs() {
    // Long runs of 1-bits under a probability that expects 0 push `low` up and make
    // carries run through pending 0xFF bytes.
    let mut items = Vec::new();
    for i in 0..5000u32 {
        items.push(Item::Bit { ctx: 0, bit: false });
        items.push(Item::Bit {
            ctx: 1,
            bit: i % 7 != 0,
        });
        items.push(Item::Direct {
            value: 0xFFFF_FFFF,
            n: 32,
        });
    }
    let bytes = encode(&items);
    assert_eq!(masked(&decode(&items, &bytes).unwrap()), masked(&items));
}

proptest! {
    #[test]
    fn round_trip(items in proptest::collection::vec(arb_item(), 0..400)) {
        let bytes = encode(&items);
        prop_assert_eq!(masked(&decode(&items, &bytes).unwrap()), masked(&items));
    }

    #[test]
    fn truncated_or_extended_streams_are_rejected(
        items in proptest::collection::vec(arb_item(), 1..200),
        cut in any::<prop::sample::Index>(),
        extra in 1..5usize,
    ) {
        let bytes = encode(&items);
        let at = cut.index(bytes.len());
        prop_assert_eq!(decode(&items, &bytes[..at]).err(), Some(DeltaError::Truncated));
        let mut long = bytes.clone();
        long.extend(std::iter::repeat_n(0x5A, extra));
        prop_assert!(matches!(decode(&items, &long), Err(DeltaError::Malformed(_))));
    }

    #[test]
    fn any_bytes_decode_without_panic(
        items in proptest::collection::vec(arb_item(), 0..200),
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let _ = decode(&items, &bytes);
    }
}
