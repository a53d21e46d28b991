//! One type for whatever a conversation ends with, for hosts (the language
//! bindings) that keep flows of every kind behind one object.

use crate::credentials::DefaultCredentials;
use crate::google::{AllowedLocations, IamAnswer};
use crate::k0rdent::CredentialPage;
use crate::sign::{SignedBlob, SignedJwt};
use crate::token::{AccessToken, IdToken};
use crate::verified_claims::VerifiedClaims;
use crate::verifier::PreparedToken;

/// What any of credmint's flows produces, as one enum: box any flow with
/// `flow.map_output(FlowOutput::from)`.
#[derive(Debug)]
pub enum FlowOutput {
    /// An access token (token grants, STS, IBM, `generateAccessToken`).
    Access(AccessToken),
    /// An ID token (`target_audience` grant, `generateIdToken`).
    Id(IdToken),
    /// A `signBlob` answer.
    Blob(SignedBlob),
    /// A `signJwt` answer.
    Jwt(SignedJwt),
    /// An `allowedLocations` answer.
    Locations(AllowedLocations),
    /// A page of a k0rdent listing, or `None` after the last one.
    Page(Option<CredentialPage>),
    /// A verified token's claims ([`crate::TokenVerifier::verify`]).
    Claims(VerifiedClaims),
    /// A token waiting for the host's signature check ([`crate::TokenVerifier::prepare`]).
    Prepared(Box<PreparedToken>),
    /// What Application Default Credentials found ([`crate::DefaultCredentialsFlow`]).
    Default(Box<DefaultCredentials>),
    /// A JSON result: what a conformance vector's flow (feature `conformance`)
    /// produces. Present in every build, so that a binding's match on this enum
    /// does not depend on which crates of a workspace enable the feature.
    Json(serde_json::Value),
}

macro_rules! flow_output_from {
    ($($type:ty => $variant:ident),* $(,)?) => {
        $(impl From<$type> for FlowOutput {
            fn from(value: $type) -> Self {
                FlowOutput::$variant(value)
            }
        })*
    };
}

flow_output_from!(
    AccessToken => Access,
    IdToken => Id,
    SignedBlob => Blob,
    SignedJwt => Jwt,
    AllowedLocations => Locations,
    Option<CredentialPage> => Page,
    VerifiedClaims => Claims,
    Box<PreparedToken> => Prepared,
    Box<DefaultCredentials> => Default,
);

#[cfg(feature = "conformance")]
flow_output_from!(serde_json::Value => Json);

impl From<IamAnswer> for FlowOutput {
    fn from(answer: IamAnswer) -> Self {
        match answer {
            IamAnswer::AccessToken(token) => FlowOutput::Access(token),
            IamAnswer::IdToken(token) => FlowOutput::Id(token),
            IamAnswer::SignedBlob(blob) => FlowOutput::Blob(blob),
            IamAnswer::SignedJwt(jwt) => FlowOutput::Jwt(jwt),
            IamAnswer::AllowedLocations(locations) => FlowOutput::Locations(locations),
        }
    }
}
