//! A person's own sessions, password and account history: `mySessions`,
//! `endSession`, `endOtherSessions`, `changePassword`, `Viewer.accountHistory`.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use entity::{account, audit_log, membership};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::accounts::graphql::{Account, Membership, Role};
use crate::auth::service::{self, Changer, SessionInfo};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Conn, PageArgs, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::loaders::load_by_id;
use crate::graphql::node::NodeType;
use crate::graphql::scalars::DateTime;

/// One login session of yours: a device that logged in and keeps
/// refreshing its tokens.
pub struct LoginSession(SessionInfo);

/// One login session of yours: a device that logged in and keeps
/// refreshing its tokens.
#[Object]
impl LoginSession {
    /// The session's id (for `endSession`).
    async fn session_id(&self) -> &str {
        &self.0.id
    }
    /// True for the session this request belongs to.
    async fn current(&self) -> bool {
        self.0.current
    }
    /// The device, from its `User-Agent` ("Chrome on Android", "iOS app",
    /// "curl"); null when it sent none.
    async fn device(&self) -> Option<String> {
        self.0.user_agent.as_deref().map(device_label)
    }
    /// When it logged in.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last got new tokens (the login or its latest refresh).
    async fn last_used_at(&self) -> DateTime {
        self.0.last_used_at.into()
    }
    /// The network it last came from: an IPv4 /24 or IPv6 /48, never the
    /// full address.
    async fn address_prefix(&self) -> Option<&str> {
        self.0.address_prefix.as_deref()
    }
    /// The membership it acts in.
    async fn membership(&self, ctx: &Context<'_>) -> ApiResult<Option<Membership>> {
        load_by_id::<membership::Entity, _>(ctx, self.0.membership_id, Membership).await
    }
}

/// A device label from a `User-Agent`: the app or browser, and the system.
pub fn device_label(ua: &str) -> String {
    let has = |s: &str| ua.contains(s);
    let app = if has("MicroMessenger") {
        Some("WeChat")
    } else if has("okhttp") || has("Dalvik") {
        Some("Android app")
    } else if has("CFNetwork") || has("Alamofire") {
        Some("iOS app")
    } else if ua.starts_with("curl/") {
        Some("curl")
    } else if has("python-requests") || has("aiohttp") || has("httpx") {
        Some("Python client")
    } else {
        None
    };
    if let Some(app) = app {
        return app.to_owned();
    }
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("HarmonyOS", "HarmonyOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(k, _)| has(k))
    .map(|(_, v)| *v);
    let browser = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
        .iter()
        .find(|(k, _)| has(k))
        .map(|(_, v)| *v);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        // The product token of anything else ("Apollo/3.8" → "Apollo").
        (None, None) => ua.split(['/', ' ']).next().unwrap_or("unknown").chars().take(40).collect(),
    }
}

/// One thing that happened to your account.
pub struct AccountEvent(audit_log::Model, Option<i32>);

/// One thing that happened to your account.
#[Object]
impl AccountEvent {
    /// When it happened.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
    /// What happened, as the audit log names it (`auth.login`,
    /// `auth.change_password`, `account.disable`, `account.reset_password`, …).
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The role of whoever did it.
    async fn role(&self) -> Option<Role> {
        self.0.role.map(Into::into)
    }
    /// True when you did it yourself.
    async fn by_you(&self) -> bool {
        self.0.account_id.is_some() && self.0.account_id == self.1
    }
    /// Who did it, when it was someone else (staff of your community or the
    /// platform).
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        let other = self.0.account_id.filter(|a| Some(*a) != self.1);
        load_by_id::<account::Entity, _>(ctx, other, Account).await
    }
}

/// The audit rows about account `me`, newest first.
pub(super) async fn account_history(ctx: &Context<'_>, me: i32, args: PageArgs) -> ApiResult<Conn<AccountEvent>> {
    let q = audit_log::Entity::find()
        .filter(audit_log::Column::ObjectType.eq(<Account as NodeType>::NAME))
        .filter(audit_log::Column::ObjectId.eq(me));
    paginate_ordered(ctx, q, audit_log::Column::Id, args, true, |m| AccountEvent(m, Some(me))).await
}

#[derive(Default)]
pub struct SessionsQuery;

#[Object]
impl SessionsQuery {
    /// Your live login sessions, most recently used first (at most 100).
    #[graphql(visible = "crate::graphql::surface::people", guard = "Authenticated")]
    async fn my_sessions(&self, ctx: &Context<'_>) -> ApiResult<Vec<LoginSession>> {
        let list = service::my_sessions(ctx.app(), ctx.principal()?, ctx.session_id()).await?;
        Ok(list.into_iter().map(LoginSession).collect())
    }
}

/// The input of `changePassword`.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The current password (after a reset: the one-time code).
    pub current_password: String,
    /// The new password: at least 8 characters, not one of the 10,000 most
    /// common, not the username.
    pub new_password: String,
    /// The account's username, when you are not logged in (after a reset);
    /// leave out when logged in.
    pub username: Option<String>,
}

/// The result of `changePassword`.
#[derive(SimpleObject)]
pub struct ChangePasswordPayload {
    /// True: the new password is set.
    pub password_changed: bool,
    /// How many other sessions ended (this one stays).
    pub sessions_ended: i32,
}

/// The input of `endSession`.
#[derive(InputObject)]
pub struct EndSessionInput {
    /// A session of yours (`mySessions { sessionId }`).
    pub session_id: String,
}

/// The result of `endSession` and `endOtherSessions`.
#[derive(SimpleObject)]
pub struct EndSessionsPayload {
    /// How many sessions ended.
    pub sessions_ended: i32,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[derive(Default)]
pub struct SessionsMutation;

#[Object]
impl SessionsMutation {
    /// Change your password. Logged in: give the current one; your other
    /// sessions end, this one stays. After a reset, not logged in: give your
    /// username and the one-time code as the current password. A wrong
    /// current password is UNAUTHENTICATED and counts against the login
    /// throttle; a weak new one is BAD_USER_INPUT (`newPassword`).
    #[graphql(visible = "crate::graphql::surface::not_machines")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ChangePasswordInput,
    ) -> ApiResult<ChangePasswordPayload> {
        let principal = ctx.principal().ok();
        let who = match (principal, input.username.as_deref()) {
            (Some(principal), _) => Changer::LoggedIn { principal, session: ctx.session_id() },
            (None, Some(username)) if username.len() <= 64 => Changer::Anonymous { username },
            (None, Some(_)) => return Err(ApiError::bad_input("username", t!("auth.too_long"))),
            (None, None) => return Err(ApiError::bad_input("username", t!("auth.username_required"))),
        };
        let ended =
            service::change_password(ctx.app(), who, &ctx.client(), &input.current_password, &input.new_password)
                .await?;
        Ok(ChangePasswordPayload { password_changed: true, sessions_ended: count(ended) })
    }

    /// End one of your sessions (on a lost phone, say): its refresh tokens
    /// and every access token issued in it stop working at once.
    #[graphql(visible = "crate::graphql::surface::people", guard = "Authenticated")]
    async fn end_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: EndSessionInput,
    ) -> ApiResult<EndSessionsPayload> {
        let p = ctx.principal()?;
        let n = service::end_sessions(ctx.app(), p, ctx.session_id(), Some(input.session_id.as_str())).await?;
        Ok(EndSessionsPayload { sessions_ended: count(n) })
    }

    /// End every session of yours but this one.
    #[graphql(visible = "crate::graphql::surface::people", guard = "Authenticated")]
    async fn end_other_sessions(&self, ctx: &Context<'_>) -> ApiResult<EndSessionsPayload> {
        let n = service::end_sessions(ctx.app(), ctx.principal()?, ctx.session_id(), None).await?;
        Ok(EndSessionsPayload { sessions_ended: count(n) })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn device_labels_read_like_devices() {
        for (ua, label) in [
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            ("okhttp/4.12.0", "Android app"),
            ("curl/8.5.0", "curl"),
            ("Apollo/3.8 (something)", "Apollo"),
        ] {
            assert_eq!(super::device_label(ua), label, "{ua}");
        }
    }
}
