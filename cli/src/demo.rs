//! `credmint demo`: the emulator in-process on a free loopback port, then every
//! conversation of the core against it over real HTTP, with a short report.

use crate::commands::emit;
use crate::failure::Failure;
use crate::transport::Transport;
use credmint::ibm::IbmIam;
use credmint::k0rdent::{ListCredentials, StatusFilter};
use credmint::{
    AccessToken, ClaimsTemplate, ClientCredentials, Credentials, Endpoint, FlowOptions,
    IamCredentials, ImpersonatedFlow, KeySet, Lifetime, OidcIdToken, SecretString,
    ServiceAccountId, ServiceAccountKey, SourceToken, UnixTime, Validation, format_rfc3339,
};
use credmint_emulator::{Config, EXAMPLE_CONFIG, Emulator, Options};
use std::time::Instant;

const CI: &str = "ci-runner@demo-project.iam.gserviceaccount.com";
const DEPLOYER: &str = "deployer@demo-project.iam.gserviceaccount.com";
const SIGNER: &str = "storage-signer@demo-project.iam.gserviceaccount.com";
const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";
const AUDIENCE: &str = "https://demo-service.example.com";
const POOL_PROVIDER: &str = "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci-pool/providers/ci-oidc";

/// One line of the report.
struct Line {
    what: String,
    detail: String,
    millis: f64,
}

struct Demo {
    transport: Transport,
    base: String,
    lines: Vec<Line>,
}

fn now() -> UnixTime {
    crate::input::now(None).unwrap_or(UnixTime::from_secs(0))
}

fn until(time: UnixTime) -> String {
    let secs = time.as_secs() - now().as_secs();
    format!(
        "expires {} (in {}m{:02}s)",
        format_rfc3339(time),
        secs / 60,
        secs % 60
    )
}

impl Demo {
    /// Runs `step`, timing it and recording its line.
    fn step<T>(
        &mut self,
        what: &str,
        step: impl FnOnce(&mut Self) -> Result<(T, String), Failure>,
    ) -> Result<T, Failure> {
        let started = Instant::now();
        let (value, detail) = step(self).map_err(|failure| Failure {
            code: failure.code,
            message: format!("{what}: {}", failure.message),
        })?;
        self.lines.push(Line {
            what: what.to_owned(),
            detail,
            millis: started.elapsed().as_secs_f64() * 1000.0,
        });
        Ok(value)
    }

    fn endpoint(&self) -> Result<Endpoint, Failure> {
        Ok(Endpoint::new(&self.base)?)
    }

    fn get(&self, path: &str) -> Result<String, Failure> {
        self.transport.get_text(&format!("{}{path}", self.base))
    }

    fn key_token(&self, key: &ServiceAccountKey) -> Result<AccessToken, Failure> {
        // The key file's token_uri points at the emulator.
        let mut flow = key.access_token_flow([CLOUD_PLATFORM], FlowOptions::default())?;
        self.transport.drive(&mut flow)
    }

    fn impersonation_source(&self, key: &ServiceAccountKey) -> Result<SourceToken, Failure> {
        Ok(SourceToken::Token(self.key_token(key)?))
    }
}

fn load_key(emulator: &Emulator, email: &str) -> Result<ServiceAccountKey, Failure> {
    let text = emulator
        .key_file(email)
        .ok_or_else(|| Failure::io(format!("the demo world has no {email}")))?;
    Ok(ServiceAccountKey::from_json(text.expose_secret())?)
}

fn sa(email: &str) -> Result<ServiceAccountId, Failure> {
    Ok(ServiceAccountId::new(email)?)
}

/// `credmint demo`.
pub fn demo() -> Result<(), Failure> {
    let started = Instant::now();
    let config = Config::from_toml(EXAMPLE_CONFIG).map_err(|err| Failure::io(err.to_string()))?;
    let emulator =
        Emulator::bind(&config, &Options::default()).map_err(|err| Failure::io(err.to_string()))?;
    let ci_key = load_key(&emulator, CI)?;
    let provider_key = emulator
        .provider_key_file(POOL_PROVIDER)
        .ok_or_else(|| Failure::io("the demo world has no generated provider key".into()))?;
    let provider_key = ServiceAccountKey::from_json(provider_key.expose_secret())?;
    let files = emulator.credential_files();
    let setup_ms = started.elapsed().as_secs_f64() * 1000.0;
    let running = emulator
        .spawn()
        .map_err(|err| Failure::io(format!("cannot start the emulator: {err}")))?;
    let mut demo = Demo {
        transport: Transport::new(),
        base: running.base_url().to_owned(),
        lines: Vec::new(),
    };
    emit(&format!(
        "credmint demo: emulator at {} (accounts and keys generated in {setup_ms:.0} ms)\n",
        demo.base
    ))?;
    google(&mut demo, &ci_key)?;
    application_default(&mut demo, &files)?;
    federation(&mut demo, &provider_key)?;
    ibm(&mut demo)?;
    k0rdent(&mut demo)?;
    for line in &demo.lines {
        emit(&format!(
            "  ✔ {:<44} {:>8.1} ms\n      {}",
            line.what, line.millis, line.detail
        ))?;
    }
    emit(&format!(
        "\n{} conversations over HTTP in {:.0} ms. Run `credmint serve` to keep the emulator up.",
        demo.lines.len(),
        started.elapsed().as_secs_f64() * 1000.0
    ))?;
    running
        .stop()
        .map_err(|err| Failure::io(format!("stopping the emulator: {err}")))
}

/// The ID token's `email`, after checking its signature against the emulator's keys.
fn verified_email(demo: &Demo, token: &credmint::IdToken) -> Result<String, Failure> {
    let keys = KeySet::parse(&demo.get("/oauth2/v3/certs")?)?;
    let validation = Validation::new().audience(AUDIENCE);
    let verified = credmint::verify(token.token().expose_secret(), &keys, &validation, now())?;
    Ok(verified
        .claims()
        .get("email")
        .and_then(|e| e.as_str())
        .unwrap_or("?")
        .to_owned())
}

fn credential_file<'a>(
    files: &'a [(String, SecretString)],
    name: &str,
) -> Result<&'a SecretString, Failure> {
    files
        .iter()
        .find(|(file, _)| file == name)
        .map(|(_, text)| text)
        .ok_or_else(|| Failure::io(format!("the demo world wrote no {name}")))
}

fn application_default(demo: &mut Demo, files: &[(String, SecretString)]) -> Result<(), Failure> {
    demo.step("ADC from the metadata server", |d| {
        let host = d.base.trim_start_matches("http://").to_owned();
        let mut env = credmint::Environment::new(false);
        env.set("GCE_METADATA_HOST", host);
        env.set("METADATA_SERVER_DETECTION", "ping-only");
        let mut adc =
            credmint::DefaultCredentialsFlow::new(env, credmint::CredentialOptions::default());
        let found = d.transport.drive(&mut adc)?;
        let token = d
            .transport
            .drive(&mut found.credentials.access_token_flow()?)?;
        let id_token = d
            .transport
            .drive(&mut found.credentials.id_token_flow(AUDIENCE)?)?;
        let email = verified_email(d, &id_token)?;
        Ok((
            (),
            format!(
                "found {} (project {}), token {}; ID token for {email} ✓",
                found.source.as_str(),
                found.project_id.as_deref().unwrap_or("?"),
                until(token.expires_at())
            ),
        ))
    })?;
    demo.step("gcloud user credentials (authorized_user)", |d| {
        let text = credential_file(files, "authorized_user.json")?;
        let user = credmint::Credentials::from_json(text.expose_secret())?;
        let token = d.transport.drive(&mut user.access_token_flow()?)?;
        let refused = match user.id_token_flow(AUDIENCE) {
            Err(err) => err.code(),
            Ok(_) => "an ID token?",
        };
        Ok((
            (),
            format!(
                "refresh_token grant, {}; ID token: {refused}",
                until(token.expires_at())
            ),
        ))
    })?;
    demo.step("impersonated_service_account file", |d| {
        let text = credential_file(files, "impersonated_service_account.json")?;
        let target = credmint::Credentials::from_json(text.expose_secret())?;
        let token = d.transport.drive(&mut target.access_token_flow()?)?;
        let id_token = d.transport.drive(&mut target.id_token_flow(AUDIENCE)?)?;
        let email = verified_email(d, &id_token)?;
        Ok((
            (),
            format!("acts as {email}, {}; ID token ✓", until(token.expires_at())),
        ))
    })
}

fn google(demo: &mut Demo, ci_key: &ServiceAccountKey) -> Result<(), Failure> {
    demo.step("Google JWT-bearer grant → access token", |d| {
        let token = d.key_token(ci_key)?;
        Ok(((), format!("for {CI}, {}", until(token.expires_at()))))
    })?;
    demo.step("Google JWT-bearer grant → ID token, verified", |d| {
        let mut flow = ci_key.id_token_flow(AUDIENCE, FlowOptions::default())?;
        let token = d.transport.drive(&mut flow)?;
        let keys = KeySet::parse(&d.get("/oauth2/v3/certs")?)?;
        let validation = Validation::new()
            .audience(AUDIENCE)
            .issuer("https://accounts.google.com");
        let verified = credmint::verify(token.token().expose_secret(), &keys, &validation, now())?;
        let email = verified
            .claims()
            .get("email")
            .and_then(|e| e.as_str())
            .unwrap_or("?");
        Ok((
            (),
            format!("aud {AUDIENCE}, email {email}; signature ✓ against /oauth2/v3/certs"),
        ))
    })?;
    let iam = IamCredentials::with_endpoint(demo.endpoint()?);
    demo.step("IAM generateAccessToken (impersonation)", |d| {
        let mut flow = ImpersonatedFlow::access_token(
            d.impersonation_source(ci_key)?,
            iam.clone(),
            sa(DEPLOYER)?,
            Vec::new(),
            vec![CLOUD_PLATFORM.to_owned()],
            Lifetime::parse("1800s")?,
            FlowOptions::default(),
        )?;
        let token = d.transport.drive(&mut flow)?;
        Ok((
            (),
            format!("{CI} acts as {DEPLOYER}, {}", until(token.expires_at())),
        ))
    })?;
    demo.step("IAM generateIdToken via delegation chain", |d| {
        let mut flow = ImpersonatedFlow::id_token(
            d.impersonation_source(ci_key)?,
            iam.clone(),
            sa(SIGNER)?,
            vec![sa(DEPLOYER)?],
            AUDIENCE.to_owned(),
            true,
            FlowOptions::default(),
        )?;
        let token = d.transport.drive(&mut flow)?;
        let keys = KeySet::parse(&d.get("/oauth2/v1/certs")?)?;
        credmint::verify(
            token.token().expose_secret(),
            &keys,
            &Validation::new().audience(AUDIENCE),
            now(),
        )?;
        Ok((
            (),
            format!("{CI} → {DEPLOYER} → {SIGNER}; signature ✓ against X.509 certs"),
        ))
    })?;
    demo.step("IAM signBlob, verified", |d| {
        let mut flow = ImpersonatedFlow::sign_blob(
            d.impersonation_source(ci_key)?,
            iam.clone(),
            sa(SIGNER)?,
            vec![sa(DEPLOYER)?],
            b"hello from credmint".to_vec(),
            FlowOptions::default(),
        );
        let signed = d.transport.drive(&mut flow)?;
        let keys = KeySet::parse(&d.get(&format!("/service_accounts/v1/metadata/x509/{SIGNER}"))?)?;
        keys.select(Some(signed.key_id()))?
            .verify(b"hello from credmint", signed.signature())?;
        Ok((
            (),
            format!(
                "{} signature bytes, key {}; ✓ against the account's certificate",
                signed.signature().len(),
                &signed.key_id()[..8]
            ),
        ))
    })?;
    demo.step("IAM signJwt, verified", |d| {
        let claims = credmint::Claims::from_json(&format!(
            r#"{{"iss":"{SIGNER}","sub":"{SIGNER}","aud":"{AUDIENCE}"}}"#
        ))?;
        let mut flow = ImpersonatedFlow::sign_jwt(
            d.impersonation_source(ci_key)?,
            iam.clone(),
            sa(SIGNER)?,
            vec![sa(DEPLOYER)?],
            claims,
            FlowOptions::default(),
        );
        let signed = d.transport.drive(&mut flow)?;
        let keys = KeySet::parse(&d.get(&format!("/service_accounts/v1/jwk/{SIGNER}"))?)?;
        let verified = credmint::verify(
            signed.signed_jwt().expose_secret(),
            &keys,
            &Validation::new().audience(AUDIENCE),
            now(),
        )?;
        let exp = verified.claims().exp()?.unwrap_or_default();
        Ok((
            (),
            format!(
                "exp added by the server ({}); ✓ against the account's JWKS",
                until(UnixTime::from_secs(exp))
            ),
        ))
    })?;
    demo.step("IAM allowedLocations", |d| {
        let mut flow = ImpersonatedFlow::allowed_locations(
            d.impersonation_source(ci_key)?,
            iam.clone(),
            sa(SIGNER)?,
            FlowOptions::default(),
        );
        let locations = d.transport.drive(&mut flow)?;
        Ok((
            (),
            format!(
                "{}: {} ({})",
                SIGNER,
                locations.locations.join(", "),
                locations.encoded_locations
            ),
        ))
    })?;
    demo.step("IAM refuses a missing token-creator grant", |d| {
        let deployer_key = ci_key; // ci-runner may not act as itself
        let mut flow = ImpersonatedFlow::access_token(
            d.impersonation_source(deployer_key)?,
            iam.clone(),
            sa(CI)?,
            Vec::new(),
            vec![CLOUD_PLATFORM.to_owned()],
            Lifetime::parse("3600s")?,
            FlowOptions::default(),
        )?;
        match d.transport.drive(&mut flow) {
            Err(failure) if failure.code == "permission_denied" => {
                Ok(((), format!("error[{}] as expected", failure.code)))
            }
            Err(failure) => Err(failure),
            Ok(_) => Err(Failure::io(
                "the emulator granted a token without permission".into(),
            )),
        }
    })
}

fn federation(demo: &mut Demo, provider_key: &ServiceAccountKey) -> Result<(), Failure> {
    demo.step("STS token exchange + impersonation (WIF)", |d| {
        let subject = OidcIdToken::new(
            "https://ci.example.com",
            "repo:acme/app:ref:main",
            POOL_PROVIDER,
        )?
        .sign(provider_key.signing_key(), now())?;
        let subject_file = TempFile::write("subject.jwt", subject.expose_secret().as_bytes())?;
        let file = serde_json::json!({
            "type": "external_account",
            "audience": POOL_PROVIDER,
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": format!("{}/v1/token", d.base),
            "service_account_impersonation_url": format!(
                "{}/v1/projects/-/serviceAccounts/{SIGNER}:generateAccessToken", d.base
            ),
            "credential_source": {"file": subject_file.path()},
        });
        // The file source is read by the core's flow, as a workload's would be.
        let mut flow = Credentials::from_json(&file.to_string())?.access_token_flow()?;
        let token = d.transport.drive(&mut flow)?;
        Ok((
            (),
            format!(
                "file source, subject repo:acme/app:ref:main → {SIGNER}, {}",
                until(token.expires_at())
            ),
        ))
    })?;
    Ok(())
}

fn ibm(demo: &mut Demo) -> Result<(), Failure> {
    let iam = IbmIam::with_endpoint(&demo.endpoint()?);
    let token = demo.step("IBM Cloud IAM API-key grant, verified", |d| {
        let apikey = SecretString::from("demo-ibm-apikey-0123456789".to_owned());
        let mut flow = iam.api_key_flow(&apikey, &FlowOptions::default())?;
        let token = d.transport.drive(&mut flow)?;
        let keys = KeySet::parse(&d.get("/identity/keys")?)?;
        let verified = credmint::verify(
            token.token().expose_secret(),
            &keys,
            &Validation::new().issuer("https://iam.cloud.ibm.com/identity"),
            now(),
        )?;
        let iam_id = verified
            .claims()
            .get("iam_id")
            .and_then(|v| v.as_str())
            .unwrap_or("?")
            .to_owned();
        let detail = format!(
            "for {iam_id}, {}; ✓ against /identity/keys",
            until(token.expires_at())
        );
        Ok((token, detail))
    })?;
    demo.step("IBM Cloud IAM refresh-token grant", |d| {
        let refresh = token
            .refresh_token()
            .ok_or_else(|| Failure::io("no refresh token".into()))?;
        let mut flow = iam.refresh_flow(refresh, &FlowOptions::default())?;
        let token = d.transport.drive(&mut flow)?;
        Ok(((), format!("new token, {}", until(token.expires_at()))))
    })?;
    Ok(())
}

fn k0rdent(demo: &mut Demo) -> Result<(), Failure> {
    let token_uri = Endpoint::new(&format!("{}/token", demo.base))?;
    let admin = demo.step("k0rdent client-credentials grant", |d| {
        let client = ClientCredentials::new(
            token_uri.clone(),
            "cred-admin",
            SecretString::from("demo-admin-secret-0123456789".to_owned()),
        )?;
        let token = d
            .transport
            .drive(&mut client.flow(&FlowOptions::default()))?;
        let detail = format!(
            "sa-platform-admin (tenant admin), {}",
            until(token.expires_at())
        );
        Ok((token, detail))
    })?;
    demo.step("k0rdent list credentials (cursor, 1 per page)", |d| {
        let list = ListCredentials::new(d.endpoint()?, "sa-pipeline-prod")?.page_size(1)?;
        let (count, pages) = walk(d, &list, &admin)?;
        Ok((
            (),
            format!("sa-pipeline-prod: {count} credentials in {pages} pages, no secrets"),
        ))
    })?;
    demo.step("k0rdent list credentials (status=expired)", |d| {
        let list = ListCredentials::new(d.endpoint()?, "sa-pipeline-prod")?
            .status(StatusFilter::Expired)
            .start_at(None, Some(0))?;
        let (count, _) = walk(d, &list, &admin)?;
        Ok((
            (),
            format!("{count} expired (offset pagination with total)"),
        ))
    })?;
    Ok(())
}

fn walk(
    demo: &Demo,
    list: &ListCredentials,
    bearer: &AccessToken,
) -> Result<(usize, usize), Failure> {
    let mut pages = list.pages(bearer.clone(), FlowOptions::default());
    let (mut count, mut page_count) = (0, 0);
    loop {
        match demo.transport.drive(&mut pages)? {
            Some(page) => {
                count += page.credentials.len();
                page_count += 1;
            }
            None => return Ok((count, page_count)),
        }
    }
}

/// A file of the demo's (a subject token), removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    /// Writes `bytes` to `name` in a directory of this process's own.
    fn write(name: &str, bytes: &[u8]) -> Result<Self, Failure> {
        let dir = std::env::temp_dir().join(format!("credmint-demo-{}", std::process::id()));
        let path = dir.join(name);
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&path, bytes))
            .map_err(|err| Failure::io(format!("cannot write {}: {err}", path.display())))?;
        Ok(TempFile(path))
    }

    fn path(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}
