//! Google: the OAuth 2.0 token endpoint, IAM Service Account Credentials,
//! impersonation chains, STS and workload identity federation.

mod account;
mod aws;
mod executable;
mod grant;
mod iam;
mod impersonation;
pub mod metadata;
mod sourcing;
mod sts;
pub mod user;

pub use account::{ServiceAccountId, ServiceAccountIdentity};
pub use aws::{AwsCredentials, AwsMetadataFlow, AwsMetadataUrls, region_from_availability_zone};
pub use executable::{ALLOW_EXECUTABLES_VAR, ExecutableInvocation};
pub use grant::{GrantOutput, JwtGrantFlow, ServiceAccountIdTokenFlow, ServiceAccountTokenFlow};
pub use iam::{AllowedLocations, IamCredentials};
pub use impersonation::{
    AccessTokenSource, IamAnswer, IamCall, IamCallArgs, IamFlow, ImpersonatedFlow, SourceToken,
};
pub use metadata::{MetadataAccount, MetadataServer};
pub use sourcing::SourcedExternalAccountFlow;
pub use sts::{CredentialSource, ExternalAccount, ExternalAccountFlow, SubjectTokenFormat};
pub use user::{AuthorizedUser, WorkforceUser};
