//! `credmint`: the Rust host of the credmint core. It reads files, stdin and the
//! clock; the core does everything else.

mod commands;
mod failure;
mod input;

use clap::{Parser, Subcommand};
use failure::Failure;
use std::process::ExitCode;

/// Mint, sign and verify short-lived cloud credentials.
#[derive(Parser)]
#[command(name = "credmint", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a new service-account-shaped key file (prints it to stdout).
    Keygen {
        /// The account's email, e.g. name@project.iam.gserviceaccount.com.
        #[arg(long)]
        email: String,
        /// project_id (default: taken from a …@PROJECT.iam.gserviceaccount.com email).
        #[arg(long)]
        project: Option<String>,
        /// RSA modulus size: 2048, 3072 or 4096.
        #[arg(long, default_value_t = 2048)]
        bits: usize,
        /// token_uri to write into the file (default: Google's token endpoint).
        #[arg(long)]
        token_uri: Option<String>,
    },
    /// Sign claims as IAM signJwt does; prints {"keyId":..,"signedJwt":..}.
    SignJwt {
        /// Service-account JSON key or PEM private key.
        #[arg(long)]
        key: String,
        /// Key id for a PEM key (default: its RFC 7638 thumbprint).
        #[arg(long)]
        key_id: Option<String>,
        /// Claims as JSON text, or @FILE.
        #[arg(long)]
        claims: String,
        /// Unix time to sign at (default: the system clock).
        #[arg(long, allow_negative_numbers = true)]
        now: Option<i64>,
    },
    /// Sign bytes as IAM signBlob does; prints {"keyId":..,"signedBlob":..}.
    SignBlob {
        /// Service-account JSON key or PEM private key.
        #[arg(long)]
        key: String,
        /// Key id for a PEM key (default: its RFC 7638 thumbprint).
        #[arg(long)]
        key_id: Option<String>,
        /// File to sign, or - for stdin.
        #[arg(long)]
        input: String,
    },
    /// Verify an RS256 JWT; prints its claims as JSON.
    Verify {
        /// The token, or - to read it from stdin (keeps it out of the process list).
        token: String,
        /// JWK Set, JWK, Google X.509 certificate map, or PEM certificates/public keys.
        #[arg(long)]
        keys: String,
        /// Accepted audience (repeatable; any one must be in aud).
        #[arg(long = "aud")]
        audiences: Vec<String>,
        /// Accepted issuer (repeatable; iss must equal one).
        #[arg(long = "iss")]
        issuers: Vec<String>,
        /// Clock-skew allowance in seconds (at most 300).
        #[arg(long, default_value_t = credmint::DEFAULT_LEEWAY_SECS)]
        leeway: u64,
        /// Maximum exp - iat in seconds.
        #[arg(long)]
        max_lifetime: Option<u64>,
        /// Required header typ (case-insensitive).
        #[arg(long)]
        typ: Option<String>,
        /// Unix time to verify at (default: the system clock).
        #[arg(long, allow_negative_numbers = true)]
        now: Option<i64>,
    },
    /// Print the public JWK Set of a key.
    Jwks {
        /// Service-account JSON key or PEM private key.
        #[arg(long)]
        key: String,
        /// Key id for a PEM key (default: its RFC 7638 thumbprint).
        #[arg(long)]
        key_id: Option<String>,
    },
    /// Decode a JWT WITHOUT verifying it: header and claims, marked unverified.
    Inspect {
        /// The token, or - to read it from stdin.
        token: String,
    },
}

fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Keygen {
            email,
            project,
            bits,
            token_uri,
        } => commands::keygen(&email, project, bits, token_uri),
        Command::SignJwt {
            key,
            key_id,
            claims,
            now,
        } => commands::sign_jwt(&key, key_id.as_deref(), &claims, now),
        Command::SignBlob { key, key_id, input } => {
            commands::sign_blob(&key, key_id.as_deref(), &input)
        }
        Command::Verify {
            token,
            keys,
            audiences,
            issuers,
            leeway,
            max_lifetime,
            typ,
            now,
        } => commands::verify(commands::VerifyArgs {
            token,
            keys,
            audiences,
            issuers,
            leeway,
            max_lifetime,
            typ,
            now,
        }),
        Command::Jwks { key, key_id } => commands::jwks(&key, key_id.as_deref()),
        Command::Inspect { token } => commands::inspect(&token),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // The one place the CLI reports to the user; messages never hold secrets.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("{failure}");
            }
            ExitCode::from(failure.exit_code())
        }
    }
}
