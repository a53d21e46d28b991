//! Binding, routing and running: the shared state every handler sees, and the
//! `Emulator` a host starts (inside its own tokio runtime or on a thread).

use crate::config::Config;
use crate::error::SetupError;
use crate::keyring::Keyring;
use crate::reply;
use crate::request::MAX_BODY;
use crate::request_log::{self, RequestLog};
use crate::routes;
use crate::state::{Persisted, Store};
use crate::stats::{self, RequestCounts};
use crate::world::World;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::Response;
use axum::routing::{any, get, post};
use credmint::SecretString;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

/// How to start the emulator.
#[derive(Clone, Debug)]
pub struct Options {
    /// Address to bind (default `127.0.0.1`).
    pub host: IpAddr,
    /// Port; `0` picks a free one.
    pub port: u16,
    /// State file; `None` keeps state in memory.
    pub state: Option<PathBuf>,
    /// The address clients reach the emulator at, when it is not the bound
    /// one (behind a reverse proxy, in a container network, under a name):
    /// `https://emulator.internal`. It names the emulator in the key files
    /// it writes (`token_uri`), in discovery documents and in the health
    /// answer, and assertions whose audience it is are accepted (as are
    /// those for the bound address). Overrides the configuration's `public_url`.
    pub public_url: Option<String>,
    /// Append one JSON line per request to this file (secrets redacted).
    pub log: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            state: None,
            public_url: None,
            log: None,
        }
    }
}

/// What every handler shares: the fixed world, the rotating signing keys, the
/// request counts and the mutable state.
pub struct Shared {
    /// Accounts, keys, providers.
    pub world: World,
    /// The emulator's own signing keys (OIDC and IAP), which rotate on demand.
    pub keys: Keyring,
    /// Requests so far, by method and route (`GET /_emulator/stats`).
    pub stats: RequestCounts,
    /// Where clients reach the emulator, no trailing slash: the public URL
    /// if one was given, else `http://HOST:PORT`.
    pub base_url: String,
    /// `http://HOST:PORT` of the bound socket, no trailing slash.
    pub bound_url: String,
    /// The request log, if one was asked for.
    pub log: Option<RequestLog>,
    state: Mutex<Persisted>,
    store: Store,
}

impl Shared {
    /// The state, for reading.
    pub fn state(&self) -> MutexGuard<'_, Persisted> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Applies `change` to the state and saves it before returning; if saving
    /// fails the change is undone and the caller gets a 500 to send.
    pub fn mutate<R>(&self, change: impl FnOnce(&mut Persisted) -> R) -> Result<R, Response> {
        let mut state = self.state();
        let before = state.clone();
        let result = change(&mut state);
        if self.store.save(&state).is_err() {
            *state = before;
            return Err(reply::google(
                500,
                "INTERNAL",
                "the emulator could not save its state file",
            ));
        }
        Ok(result)
    }

    /// The token endpoint URL the emulator answers at.
    pub fn token_uri(&self) -> String {
        format!("{}/token", self.base_url)
    }

    /// The token endpoint at the bound address (equal to [`Shared::token_uri`]
    /// without a public URL).
    pub fn bound_token_uri(&self) -> String {
        format!("{}/token", self.bound_url)
    }
}

/// A bound, ready emulator.
pub struct Emulator {
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
}

impl Emulator {
    /// Binds the port, loads or creates state, builds every account and key
    /// (generating what is missing) and saves the state.
    pub fn bind(config: &Config, options: &Options) -> Result<Self, SetupError> {
        let listener = std::net::TcpListener::bind(SocketAddr::new(options.host, options.port))
            .map_err(|err| {
                SetupError::new(format!("cannot listen on port {}: {err}", options.port))
            })?;
        let address = listener
            .local_addr()
            .map_err(|err| SetupError::new(format!("cannot read the bound address: {err}")))?;
        let host = match address.ip() {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        let bound_url = format!("http://{host}:{}", address.port());
        let public_url = options
            .public_url
            .as_deref()
            .or(config.public_url.as_deref())
            .map(public_url)
            .transpose()?;
        let log = options.log.as_deref().map(RequestLog::open).transpose()?;
        let store = Store::new(options.state.clone());
        let mut state = store.load()?.unwrap_or_default();
        let world = World::build(config, &mut state)?;
        let keys = Keyring::load(&mut state, crate::clock::now().as_secs())?;
        store
            .save(&state)
            .map_err(|err| SetupError::new(format!("cannot write the state file: {err}")))?;
        Ok(Emulator {
            listener,
            shared: Arc::new(Shared {
                world,
                keys,
                stats: RequestCounts::default(),
                base_url: public_url.unwrap_or_else(|| bound_url.clone()),
                bound_url,
                log,
                state: Mutex::new(state),
                store,
            }),
        })
    }

    /// Where clients reach it: the public URL, else `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// `http://HOST:PORT` of the bound socket.
    pub fn bound_url(&self) -> &str {
        &self.shared.bound_url
    }

    /// The key file of a service account, with `token_uri` pointing here.
    pub fn key_file(&self, email: &str) -> Option<SecretString> {
        let account = self.shared.world.account(email)?;
        Some(with_token_uri(&account.key_file, &self.shared.token_uri()))
    }

    /// The generated signing key of an identity provider (named by its
    /// audience), for minting subject tokens; `None` if its keys were configured.
    pub fn provider_key_file(&self, audience: &str) -> Option<SecretString> {
        let provider = self
            .shared
            .world
            .providers
            .iter()
            .find(|p| p.audience == audience)?;
        provider.key_file.clone()
    }

    /// The credential files of users and impersonation pointing here
    /// (`authorized_user.json`, `impersonated_service_account.json`,
    /// `external_account_authorized_user.json`), by file name.
    pub fn credential_files(&self) -> Vec<(String, SecretString)> {
        crate::files::credential_files(&self.shared.world, &self.shared.base_url)
    }

    /// Every service account's email, in configuration order.
    pub fn service_accounts(&self) -> Vec<String> {
        self.shared
            .world
            .accounts
            .iter()
            .map(|a| a.email.clone())
            .collect()
    }

    /// Serves until `shutdown` resolves. Must run inside a tokio runtime.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        let app = router(self.shared).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    }

    /// Serves on a background thread with its own runtime until the returned
    /// handle is stopped or dropped (for blocking hosts: the CLI's demo, tests).
    pub fn spawn(self) -> std::io::Result<Running> {
        let base_url = self.shared.base_url.clone();
        let bound_url = self.shared.bound_url.clone();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("credmint-emulator".into())
            .spawn(move || {
                runtime.block_on(self.run(async {
                    let _ = stopped.await;
                }))
            })?;
        Ok(Running {
            base_url,
            bound_url,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// An emulator serving on a background thread; stops when dropped.
pub struct Running {
    base_url: String,
    bound_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// Where clients reach it: the public URL, else `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `http://HOST:PORT` of the bound socket (what to connect to when the
    /// public URL is a proxy's).
    pub fn bound_url(&self) -> &str {
        &self.bound_url
    }

    /// Stops serving and waits for the server thread.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(std::io::Error::other("the emulator thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

fn with_token_uri(key_file: &SecretString, token_uri: &str) -> SecretString {
    match serde_json::from_str::<serde_json::Value>(key_file.expose_secret()) {
        Ok(serde_json::Value::Object(mut map)) => {
            map.insert("token_uri".into(), token_uri.into());
            SecretString::from(serde_json::Value::Object(map).to_string())
        }
        _ => key_file.clone(),
    }
}

/// Every route, with the body limit, a JSON 404 for the rest, and the request
/// counter around all of them.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/token", post(routes::oauth::token))
        .route("/v1/token", post(routes::sts::exchange))
        .route("/v1/oauthtoken", post(routes::workforce::oauthtoken))
        .route("/v1/introspect", post(routes::workforce::introspect))
        .route(
            "/v1/projects/{project}/serviceAccounts/{call}",
            post(routes::iam::call),
        )
        .route(
            "/v1/projects/{project}/serviceAccounts/{account}/allowedLocations",
            get(routes::iam::allowed_locations),
        )
        .route(
            "/service_accounts/v1/jwk/{email}",
            get(routes::keys::account_jwks),
        )
        .route(
            "/service_accounts/v1/metadata/jwk/{email}",
            get(routes::keys::account_jwks),
        )
        .route(
            "/service_accounts/v1/metadata/x509/{email}",
            get(routes::keys::account_x509),
        )
        .route(
            "/robot/v1/metadata/x509/{email}",
            get(routes::keys::account_x509),
        )
        .route("/oauth2/v3/certs", get(routes::keys::oidc_jwks))
        .route("/oauth2/v1/certs", get(routes::keys::oidc_x509))
        .route(
            "/.well-known/openid-configuration",
            get(routes::keys::openid_configuration),
        )
        .route("/identity/token", post(routes::ibm::token))
        .route("/identity/keys", get(routes::keys::oidc_jwks))
        .route(
            "/identity/.well-known/openid-configuration",
            get(routes::keys::ibm_openid_configuration),
        )
        .route("/iap/verify/public_key-jwk", get(routes::keys::iap_jwks))
        .route(
            "/v1/regions/global/iam/service-accounts/{account}/credentials",
            get(routes::k0rdent::list).post(routes::k0rdent::create),
        )
        .route(
            "/v1/regions/global/iam/service-accounts/{account}/credentials/{credential}",
            axum::routing::delete(routes::k0rdent::revoke),
        )
        .route("/healthz", get(routes::keys::health))
        .route("/_emulator/rotate-keys", post(routes::admin::rotate_keys))
        .route("/_emulator/iap/assertion", post(routes::iap::assertion))
        .route("/_emulator/stats", get(routes::admin::stats))
        .route("/_emulator/stats/reset", post(routes::admin::reset_stats))
        .route("/", any(routes::metadata::root))
        .route("/computeMetadata", any(routes::metadata::tree))
        .route("/computeMetadata/", any(routes::metadata::tree))
        .route("/computeMetadata/{*path}", any(routes::metadata::tree))
        .fallback(routes::keys::not_found)
        .method_not_allowed_fallback(routes::keys::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::map_response(json_rejections))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            stats::count,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            request_log::record,
        ))
        .with_state(shared)
}

/// axum's own rejections (a path segment that is not UTF-8, say) are plain
/// text; every answer of the emulator is JSON, so they are wrapped in
/// Google's error envelope.
async fn json_rejections(response: Response) -> Response {
    let plain = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/plain"));
    if !plain || !response.status().is_client_error() {
        return response;
    }
    let status = response.status();
    let text = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let code = if status.as_u16() == 400 {
        "INVALID_ARGUMENT"
    } else {
        "FAILED_PRECONDITION"
    };
    reply::google(status.as_u16(), code, &text)
}

/// A public URL as given: `http` or `https`, a host, an optional path
/// prefix, no query or fragment; kept without its trailing slash.
fn public_url(url: &str) -> Result<String, SetupError> {
    let invalid = |why: &str| SetupError::new(format!("public_url {url:?}: {why}"));
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| invalid("must start with http:// or https://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || host.contains('@') {
        return Err(invalid("needs a host (and no user info)"));
    }
    if url.contains(['?', '#']) || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("takes no query, fragment or spaces"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}
