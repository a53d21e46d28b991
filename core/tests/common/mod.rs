//! Helpers shared by the integration tests.

use std::path::Path;

/// The text of a file in `tests/vectors/keys/`.
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/vectors/keys")
            .join(name),
    )
    .unwrap()
}
