//! Helpers shared by the integration tests.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};

/// `tests/vectors/`.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

/// The text of a file in `tests/vectors/keys/`.
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(vectors_dir().join("keys").join(name)).unwrap()
}

/// The `cases` of a vector file.
pub fn cases(file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(vectors_dir().join(file)).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

/// The text of a `{"file": ...}` or `{"text": ...}` reference.
pub fn text_of(reference: &Value) -> String {
    match (reference.get("file"), reference.get("text")) {
        (Some(file), _) => {
            std::fs::read_to_string(vectors_dir().join(file.as_str().unwrap())).unwrap()
        }
        (_, Some(text)) => text.as_str().unwrap().to_owned(),
        _ => panic!("reference without file or text: {reference}"),
    }
}
