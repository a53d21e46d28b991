//! Load benchmark: `cargo run --release -p credmint-emulator --example load -- [CLIENTS] [SECONDS]`
//! (default 64 clients for 10 s). Starts the example configuration in-process
//! on loopback and prints requests per second, p50/p99 latency and failures;
//! exits non-zero if any request failed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod mix;

use credmint::ServiceAccountKey;
use credmint_emulator::{Config, EXAMPLE_CONFIG, Emulator, Options};
use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let clients: usize = args.next().map_or(64, |a| a.parse().expect("CLIENTS"));
    let seconds: u64 = args.next().map_or(10, |a| a.parse().expect("SECONDS"));
    let config = Config::from_toml(EXAMPLE_CONFIG).unwrap();
    let emulator = Emulator::bind(&config, &Options::default()).unwrap();
    let key = emulator
        .key_file("ci-runner@demo-project.iam.gserviceaccount.com")
        .unwrap();
    let key = ServiceAccountKey::from_json(key.expose_secret()).unwrap();
    let running = emulator.spawn().unwrap();
    let report = mix::run(
        running.base_url(),
        &key,
        clients,
        Duration::from_secs(seconds),
    );
    println!(
        "{clients} clients, {:.1} s: {} requests, {} failed, {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        report.elapsed.as_secs_f64(),
        report.ok + report.failed,
        report.failed,
        report.rps(),
        report.quantile_ms(0.50),
        report.quantile_ms(0.99),
        report.quantile_ms(1.0),
    );
    running.stop().unwrap();
    if report.failed > 0 {
        std::process::exit(1);
    }
}
