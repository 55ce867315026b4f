//! Access tokens: HS256 JWTs carrying the principal. Validation pins the
//! algorithm and requires `exp`, `nbf`, `iss`, `aud` and `sub`, so a token
//! with `alg: none`, another key, another audience or no expiry is refused.

use chrono::{DateTime, Duration, Utc};
use entity::enums::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::principal::{Actor, Principal, Scope};
use crate::cache::Bounded;
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
    /// When it was issued, in milliseconds: revocations compare with it
    /// (`iat` has whole seconds only, and a login right after a password
    /// reset must not fall in the reset's second).
    #[serde(default)]
    ims: i64,
}

/// What a verified token says beyond the principal.
#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub expires_at: DateTime<Utc>,
    /// Refresh-token family of a login session; `None` for machine clients.
    pub session_id: Option<String>,
    /// The token's own id (`jti`).
    pub token_id: Option<String>,
    /// When it was issued (milliseconds since the epoch).
    pub issued_at_ms: i64,
}

/// How far clocks may disagree: a token is accepted this long after its
/// expiry (and before its `nbf`), on HTTP and WebSocket alike (seconds).
pub const LEEWAY_SECS: u64 = 5;

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
    /// Tokens verified before, with what they said and their expiry: a
    /// client sends the same token with every request until it expires,
    /// and checking its signature and claims again each time was 5% of a
    /// single-object lookup's CPU. Keyed by the whole token, so only a
    /// byte-for-byte copy of a verified token is ever a hit; a hit still
    /// checks the expiry.
    verified: Bounded<String, (Principal, TokenInfo, i64)>,
}

/// Tokens [`JwtKeys`] remembers (a few hundred bytes each).
const VERIFIED_TOKENS: usize = 4096;

impl JwtKeys {
    pub fn new(config: &Config) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[config.jwt_issuer.as_str()]);
        validation.set_audience(&[config.jwt_audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
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
            verified: Bounded::new(VERIFIED_TOKENS),
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
            ims: now.timestamp_millis(),
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
        if let Some((principal, info, exp)) = self.verified.get(token) {
            // The expiry test of `jsonwebtoken` (with the same leeway); the
            // other claims cannot change with time.
            if exp >= Utc::now().timestamp() - i64::try_from(self.validation.leeway).unwrap_or(0) {
                return Ok((principal, info));
            }
            return Err(ApiError::Unauthenticated(t!("auth.invalid_expired_access_token")));
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            tracing::debug!(error = %e, "rejected access token");
            ApiError::Unauthenticated(t!("auth.invalid_expired_access_token"))
        })?;
        let c = data.claims;
        let bad = || ApiError::Unauthenticated(t!("auth.invalid_access_token_subject"));
        let (kind, id) = c.sub.split_once(':').ok_or_else(bad)?;
        let id: i32 = id.parse().map_err(|_| bad())?;
        let actor = match (kind, c.mid) {
            ("account", Some(membership_id)) => Actor::Account { account_id: id, membership_id },
            ("client", None) => Actor::Client { api_client_id: id },
            _ => return Err(bad()),
        };
        let expires_at = DateTime::from_timestamp(c.exp, 0).ok_or_else(bad)?;
        let issued_at_ms = if c.ims > 0 { c.ims } else { c.iat * 1000 };
        let info = TokenInfo { expires_at, session_id: c.sid, token_id: Some(c.jti), issued_at_ms };
        let verified = (Principal { actor, role: c.role, scope: c.scope }, info);
        self.verified.insert(token.to_owned(), (verified.0.clone(), verified.1.clone(), c.exp));
        Ok(verified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::enums::Role;

    fn keys() -> JwtKeys {
        let mut config = Config::defaults();
        config.jwt_secret = Some("unit-test-secret-unit-test-secret".into());
        JwtKeys::new(&config)
    }

    fn resident() -> Principal {
        Principal {
            actor: Actor::Account { account_id: 7, membership_id: 9 },
            role: Role::Resident,
            scope: Scope { community_id: Some(3), ..Scope::default() },
        }
    }

    /// A token verified once is known the second time, and says the same.
    #[test]
    fn a_token_verifies_the_same_from_the_cache() {
        let keys = keys();
        let (token, exp) = keys.issue_in_session(&resident(), Some("s1")).unwrap();
        let (p, info) = keys.verify_with_info(&token).unwrap();
        assert!(keys.verified.get(token.as_str()).is_some());
        let (again, again_info) = keys.verify_with_info(&token).unwrap();
        assert_eq!(
            (&p, info.expires_at.timestamp(), info.session_id.as_deref()),
            (&resident(), exp.timestamp(), Some("s1"))
        );
        assert_eq!((again, again_info.expires_at, again_info.session_id), (p, info.expires_at, info.session_id));
    }

    /// A remembered token that has since expired (past the leeway) is
    /// refused; a tampered copy is never a hit.
    #[test]
    fn an_expired_or_altered_token_is_refused_even_when_remembered() {
        let keys = keys();
        let (token, _) = keys.issue(&resident()).unwrap();
        let (p, info) = keys.verify_with_info(&token).unwrap();
        let long_ago = Utc::now().timestamp() - LEEWAY_SECS as i64 - 1;
        keys.verified.insert(token.clone(), (p, info, long_ago));
        assert!(matches!(keys.verify_with_info(&token), Err(ApiError::Unauthenticated(_))));
        let altered = format!("{token}x");
        assert!(matches!(keys.verify_with_info(&altered), Err(ApiError::Unauthenticated(_))));
    }
}
