//! The state of accounts: disable, enable, reset the password. The platform
//! admin for any account; a community's committee for its residents and
//! building heads (see `accounts::policy::may_manage_account`).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use crate::accounts::policy::AccountsPermission;
use crate::auth::service;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Allowed;
use crate::graphql::ids;
use crate::input::Reason;

use super::Account;

/// The input of `disableAccount`.
#[derive(InputObject)]
pub struct DisableAccountInput {
    /// The account (global id).
    pub account_id: ID,
    /// Why: the person sees it (`Account.disabledReason`).
    pub reason: String,
}

/// The input of `enableAccount` and `resetPassword`.
#[derive(InputObject)]
pub struct AccountInput {
    /// The account (global id).
    pub account_id: ID,
}

/// The result of `disableAccount` and `enableAccount`.
#[derive(SimpleObject)]
pub struct AccountStatePayload {
    /// The account as it is now.
    pub account: Account,
}

/// The result of `resetPassword`.
#[derive(SimpleObject)]
pub struct ResetPasswordPayload {
    /// The account.
    pub account: Account,
    /// The one-time code to hand over to the person, shown only now. It
    /// opens `changePassword` only (with the username); login refuses it.
    pub one_time_code: String,
}

#[derive(Default)]
pub struct AccountStateMutation;

#[Object]
impl AccountStateMutation {
    /// Disable an account: it can no longer log in, and its sessions and
    /// access tokens end at once.
    #[graphql(
        visible = "super::shown::manage_account_state",
        guard = "Allowed(AccountsPermission::ManageAccountState)"
    )]
    async fn disable_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: DisableAccountInput,
    ) -> ApiResult<AccountStatePayload> {
        let id = ids::id_of::<Account>(&input.account_id, "accountId")?;
        let reason = Reason::parse("reason", &input.reason)?;
        let a = service::set_disabled(ctx.app(), ctx.principal()?, id, true, Some(reason)).await?;
        Ok(AccountStatePayload { account: Account(a) })
    }

    /// Enable a disabled account again.
    #[graphql(
        visible = "super::shown::manage_account_state",
        guard = "Allowed(AccountsPermission::ManageAccountState)"
    )]
    async fn enable_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AccountInput,
    ) -> ApiResult<AccountStatePayload> {
        let id = ids::id_of::<Account>(&input.account_id, "accountId")?;
        let a = service::set_disabled(ctx.app(), ctx.principal()?, id, false, None).await?;
        Ok(AccountStatePayload { account: Account(a) })
    }

    /// Reset a password: a one-time code replaces it, to hand over to the
    /// person, who must choose a new password with it (`changePassword`)
    /// before logging in. The account's sessions and access tokens end.
    #[graphql(
        visible = "super::shown::manage_account_state",
        guard = "Allowed(AccountsPermission::ManageAccountState)"
    )]
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AccountInput,
    ) -> ApiResult<ResetPasswordPayload> {
        let id = ids::id_of::<Account>(&input.account_id, "accountId")?;
        let (a, code) = service::reset_password(ctx.app(), ctx.principal()?, id).await?;
        Ok(ResetPasswordPayload { account: Account(a), one_time_code: code })
    }
}
