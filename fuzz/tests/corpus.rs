//! Replays every committed corpus input and every regression through its
//! target on stable, so CI checks them without a fuzzer or nightly.
#![allow(clippy::expect_used, clippy::print_stderr)]

use std::path::Path;

fn replay(dir: &Path, target: fn(&[u8])) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut count = 0;
    for entry in entries.flatten() {
        let bytes = std::fs::read(entry.path()).expect("corpus file");
        target(&bytes);
        count += 1;
    }
    count
}

#[test]
fn every_corpus_input_and_regression_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, target) in credmint_fuzz::TARGETS {
        let seeds = replay(&root.join("corpus").join(name), *target);
        let regressions = replay(&root.join("regressions").join(name), *target);
        assert!(seeds > 0, "{name}: no corpus committed");
        eprintln!("{name}: {seeds} corpus inputs, {regressions} regressions");
    }
}

#[test]
fn empty_and_tiny_inputs() {
    for (_, target) in credmint_fuzz::TARGETS {
        for input in [&b""[..], b"\0", b"\xff", b"{}", b"\x02\x00\x00"] {
            target(input);
        }
    }
}
