//! ECDSA P-256 public keys (ES256): points checked on the curve at import,
//! whatever backend verifies, so every backend accepts the same keys.

use crate::error::{Error, Result};
use p256::elliptic_curve::sec1::ToSec1Point;

/// Bytes of one P-256 coordinate (and of `r` and `s` in an ES256 signature).
pub(crate) const COORDINATE_BYTES: usize = 32;

/// A P-256 public point that is on the curve and not the identity, kept as
/// its affine coordinates (big-endian, 32 bytes each).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EcPoint {
    pub(crate) x: [u8; COORDINATE_BYTES],
    pub(crate) y: [u8; COORDINATE_BYTES],
}

impl EcPoint {
    /// Reads a SEC1 point (uncompressed `04‖x‖y` or compressed `02/03‖x`).
    pub(crate) fn from_sec1(bytes: &[u8]) -> Result<Self> {
        let point = p256::PublicKey::from_sec1_bytes(bytes)
            .map_err(|_| Error::invalid_key("P-256 public key is not a point on the curve"))?;
        let uncompressed = point.to_sec1_point(false);
        Self::from_uncompressed(uncompressed.as_bytes())
    }

    /// Reads affine coordinates of exactly 32 bytes each (as a JWK carries them).
    pub(crate) fn from_coordinates(x: &[u8], y: &[u8]) -> Result<Self> {
        if x.len() != COORDINATE_BYTES || y.len() != COORDINATE_BYTES {
            return Err(Error::invalid_key(
                "P-256 coordinates must be 32 bytes each",
            ));
        }
        Self::from_sec1(&[&[0x04][..], x, y].concat())
    }

    fn from_uncompressed(bytes: &[u8]) -> Result<Self> {
        let malformed = || Error::invalid_key("P-256 public key is not a point on the curve");
        let (x, y) = match bytes {
            [0x04, rest @ ..] if rest.len() == 2 * COORDINATE_BYTES => {
                rest.split_at(COORDINATE_BYTES)
            }
            _ => return Err(malformed()),
        };
        Ok(EcPoint {
            x: x.try_into().map_err(|_| malformed())?,
            y: y.try_into().map_err(|_| malformed())?,
        })
    }

    /// The uncompressed SEC1 encoding, `04‖x‖y`, as verifiers take it.
    pub(crate) fn uncompressed(&self) -> Vec<u8> {
        [&[0x04][..], &self.x, &self.y].concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The P-256 base point G.
    const GX: [u8; 32] = [
        0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40,
        0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98,
        0xc2, 0x96,
    ];
    const GY: [u8; 32] = [
        0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e,
        0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf,
        0x51, 0xf5,
    ];

    #[test]
    fn the_base_point_is_accepted_in_both_encodings() {
        let point = EcPoint::from_coordinates(&GX, &GY).unwrap();
        assert_eq!(point.uncompressed()[1..33], GX);
        let compressed = [&[0x02 | (GY[31] & 1)][..], &GX].concat();
        assert_eq!(EcPoint::from_sec1(&compressed).unwrap(), point);
    }

    #[test]
    fn points_off_the_curve_and_wrong_sizes_are_refused() {
        let mut y = GY;
        y[31] ^= 1;
        for (x, y) in [
            (&GX[..], &y[..]),
            (&GX[..31], &GY[..]),
            (&[0; 32][..], &[0; 32][..]),
        ] {
            let err = EcPoint::from_coordinates(x, y).unwrap_err();
            assert_eq!(err.code(), "invalid_key");
        }
        assert!(EcPoint::from_sec1(&[0x00]).is_err());
    }
}
