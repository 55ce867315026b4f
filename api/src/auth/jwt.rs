//! Access tokens: HS256 JWTs carrying the principal. Validation pins the
//! algorithm and requires `exp`, `nbf`, `iss`, `aud` and `sub`, so a token
//! with `alg: none`, another key, another audience or no expiry is refused.

use chrono::{DateTime, Duration, Utc};
use entity::enums::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::principal::{Actor, Principal, Scope};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    /// `account:ID` or `client:ID`.
    sub: String,
    exp: i64,
    nbf: i64,
    iat: i64,
    jti: String,
    role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mid: Option<i32>,
    #[serde(default)]
    scope: Scope,
    /// The session (refresh-token family) the token was issued in, so a
    /// live connection can notice when the session is revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
}

/// What a verified token says beyond the principal.
#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub expires_at: DateTime<Utc>,
    /// Refresh-token family of a login session; `None` for machine clients.
    pub session_id: Option<String>,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl JwtKeys {
    pub fn new(config: &Config) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[config.jwt_issuer.as_str()]);
        validation.set_audience(&[config.jwt_audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 30;
        // An unresolved secret (a library user who skipped
        // `Config::resolve_jwt_secret`) gets a random one for this process:
        // never a shared default.
        let secret = config.jwt_secret.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string().repeat(2));
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            ttl: Duration::seconds(config.access_token_ttl_secs),
        }
    }

    /// Issue an access token; returns it with its expiry time.
    pub fn issue(&self, principal: &Principal) -> ApiResult<(String, DateTime<Utc>)> {
        self.issue_in_session(principal, None)
    }

    /// Issue an access token belonging to a login session.
    pub fn issue_in_session(&self, principal: &Principal, sid: Option<&str>) -> ApiResult<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let exp = now + self.ttl;
        let (sub, mid) = match &principal.actor {
            Actor::Account { account_id, membership_id } => (format!("account:{account_id}"), Some(*membership_id)),
            Actor::Client { api_client_id } => (format!("client:{api_client_id}"), None),
            Actor::System => return Err(ApiError::internal("the system principal gets no token")),
        };
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub,
            exp: exp.timestamp(),
            nbf: now.timestamp(),
            iat: now.timestamp(),
            jti: uuid::Uuid::new_v4().to_string(),
            role: principal.role,
            mid,
            scope: principal.scope.clone(),
            sid: sid.map(str::to_owned),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok((token, exp))
    }

    /// Verify a bearer token and recover its principal.
    pub fn verify(&self, token: &str) -> ApiResult<Principal> {
        self.verify_with_info(token).map(|(p, _)| p)
    }

    /// Verify a bearer token; the principal and the token's expiry and session.
    pub fn verify_with_info(&self, token: &str) -> ApiResult<(Principal, TokenInfo)> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            tracing::debug!(error = %e, "rejected access token");
            ApiError::Unauthenticated("invalid or expired access token".into())
        })?;
        let c = data.claims;
        let bad = || ApiError::Unauthenticated("invalid access token subject".into());
        let (kind, id) = c.sub.split_once(':').ok_or_else(bad)?;
        let id: i32 = id.parse().map_err(|_| bad())?;
        let actor = match (kind, c.mid) {
            ("account", Some(membership_id)) => Actor::Account { account_id: id, membership_id },
            ("client", None) => Actor::Client { api_client_id: id },
            _ => return Err(bad()),
        };
        let expires_at = DateTime::from_timestamp(c.exp, 0).ok_or_else(bad)?;
        Ok((Principal { actor, role: c.role, scope: c.scope }, TokenInfo { expires_at, session_id: c.sid }))
    }
}
