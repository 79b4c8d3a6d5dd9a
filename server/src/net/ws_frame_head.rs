//! The head of a WebSocket frame as a client sends it (RFC 6455 section 5.2): what
//! the room's read of a player's socket ([`super::ws_read`]) needs to find whole
//! frames in a byte stream, take the ones it may (single, masked binary frames) and
//! leave everything else to tungstenite, frame by frame.

/// Opcodes (RFC 6455 section 5.2).
pub const CONTINUATION: u8 = 0x0;
pub const BINARY: u8 = 0x2;

/// The head of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHead {
    pub fin: bool,
    /// The three reserved bits (no extension is negotiated: must be 0).
    pub rsv: u8,
    pub opcode: u8,
    /// The masking key (every client frame must have one).
    pub mask: Option<[u8; 4]>,
    /// Bytes of the head itself (2 to 14).
    pub head_len: usize,
    /// Bytes of payload the head announces (a hostile peer may say up to 2^64 - 1).
    pub payload_len: u64,
}

impl FrameHead {
    /// The head at the start of `bytes`, or `None` while it is not all there.
    pub fn parse(bytes: &[u8]) -> Option<FrameHead> {
        let [b0, b1, rest @ ..] = bytes else {
            return None;
        };
        let (payload_len, ext) = match b1 & 0x7f {
            126 => (
                u64::from(u16::from_be_bytes(rest.get(..2)?.try_into().ok()?)),
                2,
            ),
            127 => (u64::from_be_bytes(rest.get(..8)?.try_into().ok()?), 8),
            short => (u64::from(short), 0),
        };
        let masked = b1 & 0x80 != 0;
        let mask = if masked {
            Some(rest.get(ext..ext + 4)?.try_into().ok()?)
        } else {
            None
        };
        Some(FrameHead {
            fin: b0 & 0x80 != 0,
            rsv: (b0 >> 4) & 0x7,
            opcode: b0 & 0x0f,
            mask,
            head_len: 2 + ext + if masked { 4 } else { 0 },
            payload_len,
        })
    }

    /// Head and payload: the whole frame's bytes (saturating for hostile lengths).
    pub fn frame_len(&self) -> u64 {
        self.payload_len.saturating_add(self.head_len as u64)
    }

    /// A data frame (not a control frame: close, ping, pong).
    pub fn is_data(&self) -> bool {
        self.opcode & 0x8 == 0
    }

    /// A message on its own in one frame: binary, final, masked, no extension bits.
    pub fn is_single_binary(&self) -> bool {
        self.fin && self.rsv == 0 && self.opcode == BINARY && self.mask.is_some()
    }

    /// Whether a message is still unfinished after this frame, given whether one
    /// was before it: a data frame that is not final starts or continues one; a
    /// final continuation ends it; control frames change nothing.
    pub fn fragmented_after(&self, before: bool) -> bool {
        if !self.is_data() {
            before
        } else if self.opcode == CONTINUATION {
            before && !self.fin
        } else {
            !self.fin
        }
    }
}

/// Unmask a client frame's payload in place.
pub fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    for (i, b) in payload.iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::protocol::frame::{Frame, coding::OpCode};

    /// A frame as tungstenite's client writes it (the reference encoder).
    fn client_frame(opcode: OpCode, fin: bool, payload: Vec<u8>, mask: [u8; 4]) -> Vec<u8> {
        let mut frame = Frame::message(payload, opcode, fin);
        frame.header_mut().mask = Some(mask);
        let mut out = Vec::new();
        frame.format(&mut out).expect("formats");
        out
    }

    #[test]
    fn heads_of_every_length_form_read_as_tungstenite_writes_them() {
        use tokio_tungstenite::tungstenite::protocol::frame::coding::Data;
        for len in [0usize, 5, 125, 126, 300, 65_535, 65_536, 70_000] {
            let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let bytes = client_frame(
                OpCode::Data(Data::Binary),
                true,
                payload.clone(),
                [1, 2, 3, 4],
            );
            let head = FrameHead::parse(&bytes).expect("whole head");
            assert!(head.is_single_binary(), "len {len}");
            assert_eq!(head.payload_len, len as u64);
            assert_eq!(head.frame_len(), bytes.len() as u64);
            for cut in 0..head.head_len {
                assert_eq!(FrameHead::parse(&bytes[..cut]), None, "len {len} cut {cut}");
            }
            let mut body = bytes[head.head_len..].to_vec();
            unmask(&mut body, head.mask.expect("masked"));
            assert_eq!(body, payload, "len {len}");
        }
    }

    #[test]
    fn other_frames_are_not_single_binary_and_fragments_are_tracked() {
        use tokio_tungstenite::tungstenite::protocol::frame::coding::{Control, Data};
        let m = [9, 8, 7, 6];
        let text = client_frame(OpCode::Data(Data::Text), true, b"hi".to_vec(), m);
        let first = client_frame(OpCode::Data(Data::Binary), false, vec![1], m);
        let ping = client_frame(OpCode::Control(Control::Ping), true, vec![], m);
        let last = client_frame(OpCode::Data(Data::Continue), true, vec![2], m);
        let heads: Vec<FrameHead> = [&text, &first, &ping, &last]
            .iter()
            .map(|b| FrameHead::parse(b).expect("head"))
            .collect();
        assert!(heads.iter().all(|h| !h.is_single_binary()));
        let mut fragmented = false;
        let mut seen = Vec::new();
        for h in &heads {
            fragmented = h.fragmented_after(fragmented);
            seen.push(fragmented);
        }
        assert_eq!(seen, vec![false, true, true, false]);
        let mut unmasked = client_frame(OpCode::Data(Data::Binary), true, vec![1], m);
        unmasked[1] &= 0x7f;
        unmasked.truncate(2);
        unmasked.push(1);
        let head = FrameHead::parse(&unmasked).expect("head");
        assert_eq!(head.mask, None);
        assert!(!head.is_single_binary(), "a client frame without a mask");
    }
}
