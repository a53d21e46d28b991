//! A reader over fuzzer bytes for the structure-aware targets: small numbers
//! and length-prefixed chunks, so a seed can be written by hand (or by
//! `seeds.py`) and a mutation changes one field, not the framing of all.

/// Fuzzer bytes read front to back; reads past the end give zeros and empty chunks.
pub(crate) struct Input<'a> {
    rest: &'a [u8],
}

impl<'a> Input<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Input { rest: data }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub(crate) fn byte(&mut self) -> u8 {
        match self.rest.split_first() {
            Some((first, rest)) => {
                self.rest = rest;
                *first
            }
            None => 0,
        }
    }

    pub(crate) fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }

    /// A chunk of at most `u16::MAX` bytes, length first (big-endian).
    pub(crate) fn chunk(&mut self) -> &'a [u8] {
        let len = usize::from(self.u16()).min(self.rest.len());
        let (chunk, rest) = self.rest.split_at(len);
        self.rest = rest;
        chunk
    }

    /// A chunk as text (invalid UTF-8 replaced, as a host's HTTP client would not).
    pub(crate) fn text(&mut self) -> String {
        String::from_utf8_lossy(self.chunk()).into_owned()
    }
}
