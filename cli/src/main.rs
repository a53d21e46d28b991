//! `credmint`: the Rust host of the credmint core. It reads files, stdin and the
//! clock; the core does everything else.

mod commands;
mod demo;
mod failure;
mod host;
mod input;
mod network;
mod serve;
mod transport;

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
    /// Run the local emulator of Google OAuth/IAM/STS, IBM Cloud IAM and k0rdent.
    Serve {
        /// Configuration file, TOML or JSON (default: emulator/examples/emulator.toml, built in).
        #[arg(long)]
        config: Option<std::path::PathBuf>,
        /// Port; 0 picks a free one. The base URL is printed as the first line.
        #[arg(long, default_value_t = 8787)]
        port: u16,
        /// Address to bind.
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// Save run-time state here (atomically) so a restart loses nothing.
        #[arg(long)]
        state: Option<std::path::PathBuf>,
        /// Write every service account's key file (token_uri → the emulator) here.
        #[arg(long)]
        keys_dir: Option<std::path::PathBuf>,
        /// The URL clients reach the emulator at, if not the bound one (a
        /// reverse proxy, a container name): used in key files, discovery
        /// documents and accepted assertion audiences.
        #[arg(long)]
        public_url: Option<String>,
        /// Append one JSON line per request here (secrets redacted).
        #[arg(long)]
        log: Option<std::path::PathBuf>,
    },
    /// Start the emulator in-process and run every conversation against it.
    Demo,
    /// An access token through the JWT-bearer grant of a service-account key.
    Token {
        /// Service-account JSON key file.
        #[arg(long)]
        key: String,
        /// OAuth scope (repeatable; default cloud-platform).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// An ID token for an audience through the JWT-bearer grant.
    IdToken {
        /// Service-account JSON key file.
        #[arg(long)]
        key: String,
        /// The token's audience (the receiving service's URL).
        #[arg(long)]
        audience: String,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// An access token of another service account (IAM generateAccessToken).
    Impersonate {
        /// Key file of the calling service account.
        #[arg(long)]
        source_key: String,
        /// The service account to act as (email or unique id).
        #[arg(long)]
        target: String,
        /// Delegation chain, in order (repeatable).
        #[arg(long = "delegate")]
        delegates: Vec<String>,
        /// OAuth scope (repeatable; default cloud-platform).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// Token lifetime as a Google duration.
        #[arg(long, default_value = "3600s")]
        lifetime: String,
        #[command(flatten)]
        endpoints: TargetArgs,
    },
    /// An IBM Cloud IAM token for an API key.
    IbmToken {
        /// File holding the API key (- for stdin).
        #[arg(long)]
        apikey_file: String,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// An access token through the OAuth client-credentials grant (k0rdent credentials).
    ClientToken {
        /// The client (credential) id.
        #[arg(long)]
        client_id: String,
        /// File holding the client secret (- for stdin).
        #[arg(long)]
        client_secret_file: String,
        /// Scope (repeatable).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// List a k0rdent service account's credentials (every page).
    ListCredentials {
        /// Service account id.
        #[arg(long)]
        account: String,
        /// active or expired.
        #[arg(long)]
        status: Option<String>,
        /// Items per page, 1-500.
        #[arg(long)]
        page_size: Option<u32>,
        /// File holding the bearer token (- for stdin).
        #[arg(long)]
        token_file: String,
        #[command(flatten)]
        target: TargetArgs,
    },
}

/// Where the network commands send their requests.
#[derive(clap::Args)]
struct TargetArgs {
    /// Base URL serving the APIs (e.g. the emulator: http://127.0.0.1:8787).
    #[arg(long)]
    endpoint: Option<String>,
    /// Universe domain of Google's APIs (default googleapis.com).
    #[arg(long, conflicts_with = "endpoint")]
    universe_domain: Option<String>,
}

impl From<TargetArgs> for network::Target {
    fn from(args: TargetArgs) -> Self {
        network::Target {
            endpoint: args.endpoint,
            universe_domain: args.universe_domain,
        }
    }
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
        Command::Serve {
            config,
            port,
            host,
            state,
            keys_dir,
            public_url,
            log,
        } => serve::serve(serve::ServeArgs {
            config,
            port,
            host,
            state,
            keys_dir,
            public_url,
            log,
        }),
        Command::Demo => demo::demo(),
        Command::Token {
            key,
            scopes,
            target,
        } => network::token(&key, scopes, &target.into()),
        Command::IdToken {
            key,
            audience,
            target,
        } => network::id_token(&key, &audience, &target.into()),
        Command::Impersonate {
            source_key,
            target,
            delegates,
            scopes,
            lifetime,
            endpoints,
        } => network::impersonate(
            network::ImpersonateArgs {
                source_key,
                target,
                delegates,
                scopes,
                lifetime,
            },
            &endpoints.into(),
        ),
        Command::IbmToken {
            apikey_file,
            target,
        } => network::ibm_token(&apikey_file, &target.into()),
        Command::ClientToken {
            client_id,
            client_secret_file,
            scopes,
            target,
        } => network::client_token(&client_id, &client_secret_file, scopes, &target.into()),
        Command::ListCredentials {
            account,
            status,
            page_size,
            token_file,
            target,
        } => network::list_credentials(
            network::ListArgs {
                account,
                status,
                page_size,
                token_file,
            },
            &target.into(),
        ),
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
