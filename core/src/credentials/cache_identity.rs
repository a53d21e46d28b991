//! What makes two tokens of a credential interchangeable, for the keys of
//! shared caches ([`crate::shared_cache::CacheKey`]).

use super::{Credentials, Source};
use crate::shared_cache::Description;

impl Credentials {
    /// Describes the principal, endpoints, scopes, universe and lifetime these
    /// credentials' tokens are obtained for; secrets enter only as digests.
    pub(crate) fn describe_for_cache(&self, d: &mut Description) {
        d.field("kind", self.kind().as_str());
        d.field("universe", &self.universe_domain);
        match &self.scopes {
            Some(scopes) => d.list("scopes", scopes),
            None => d.field("scopes", "(default)"),
        }
        d.field("lifetime", &self.lifetime.as_secs().to_string());
        match &self.source {
            Source::ServiceAccount {
                identity,
                signer,
                subject,
                ..
            } => {
                d.field("client_email", identity.client_email());
                d.field("key_id", signer.key_id());
                d.field("token_uri", identity.token_uri().as_str());
                d.optional("subject", subject.as_deref());
            }
            Source::AuthorizedUser(user) => user.describe_for_cache(d),
            Source::Impersonated {
                source,
                iam,
                target,
                delegates,
            } => {
                let mut inner = Description::default();
                source.describe_for_cache(&mut inner);
                d.nested("source", inner);
                d.field("iam_endpoint", iam.endpoint().as_str());
                d.field("target", target.as_str());
                let delegates: Vec<String> =
                    delegates.iter().map(|id| id.as_str().to_owned()).collect();
                d.list("delegates", &delegates);
            }
            Source::ExternalAccount(account) => account.describe_for_cache(d),
            Source::WorkforceUser(user) => user.describe_for_cache(d),
            Source::Metadata { server, account } => {
                d.field("metadata", server.base().as_str());
                d.field("account", account.as_str());
            }
            Source::IbmApiKey { iam, api_key } => iam.describe_for_cache(api_key, d),
            Source::ClientCredentials(client) => client.describe_for_cache(d),
        }
    }
}
