//! `credmint serve`: the emulator in the foreground until Ctrl-C or SIGTERM.

use crate::commands::emit;
use crate::failure::Failure;
use credmint_emulator::{Config, Emulator, Options};
use std::path::{Path, PathBuf};

/// Options of `credmint serve`.
pub struct ServeArgs {
    /// Configuration file (TOML or JSON); none serves the built-in demo world.
    pub config: Option<PathBuf>,
    /// Port (0: any free one).
    pub port: u16,
    /// Address to bind.
    pub host: std::net::IpAddr,
    /// State file.
    pub state: Option<PathBuf>,
    /// Folder to write every service account's key file and the users'
    /// credential files into.
    pub keys_dir: Option<PathBuf>,
    /// Where clients reach the emulator, if not the bound address.
    pub public_url: Option<String>,
    /// JSON-lines request log.
    pub log: Option<PathBuf>,
}

/// Writes each account's key file (token_uri pointing at the emulator), each
/// generated identity-provider key and the users' credential files
/// (`authorized_user.json`, `impersonated_service_account.json`,
/// `external_account_authorized_user.json`) into `dir`, readable only by the owner.
pub fn write_keys(emulator: &Emulator, config: &Config, dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|err| Failure::io(format!("cannot create {}: {err}", dir.display())))?;
    let mut files = Vec::new();
    for email in emulator.service_accounts() {
        if let Some(key) = emulator.key_file(&email) {
            files.push((format!("{email}.json"), key));
        }
    }
    for (index, provider) in config.identity_providers.iter().enumerate() {
        if let Some(key) = emulator.provider_key_file(&provider.audience) {
            files.push((format!("idp-{index}.json"), key));
        }
    }
    files.extend(emulator.credential_files());
    for (name, key) in files {
        let path = dir.join(name);
        write_private(&path, key.expose_secret())
            .map_err(|err| Failure::io(format!("cannot write {}: {err}", path.display())))?;
    }
    Ok(())
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

/// Runs the emulator; the first line on stdout is its base URL.
pub fn serve(args: ServeArgs) -> Result<(), Failure> {
    let config = match &args.config {
        Some(path) => Config::load(path),
        None => Config::from_toml(credmint_emulator::EXAMPLE_CONFIG),
    }
    .map_err(|err| Failure::io(err.to_string()))?;
    let options = Options {
        host: args.host,
        port: args.port,
        state: args.state,
        public_url: args.public_url,
        log: args.log,
    };
    let emulator = Emulator::bind(&config, &options).map_err(|err| Failure::io(err.to_string()))?;
    if let Some(dir) = &args.keys_dir {
        write_keys(&emulator, &config, dir)?;
    }
    emit(emulator.base_url())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure::io(format!("cannot start the runtime: {err}")))?;
    runtime
        .block_on(emulator.run(shutdown_signal()))
        .map_err(|err| Failure::io(format!("the server stopped: {err}")))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            () = terminate => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
