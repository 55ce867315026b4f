//! Correct, consent, erase, hold.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use crate::accounts::graphql::Account;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Allowed;
use crate::graphql::ids;
use crate::input::Reason;
use crate::privacy::policy::PrivacyPermission;
use crate::privacy::service::{self, Correction, Eraser};

/// The input of `correctMyData` and `correctAccount`: only the fields
/// given change; an empty real name or phone removes it.
#[derive(InputObject)]
pub struct CorrectionInput {
    /// The account (global id): `correctAccount` only; `correctMyData`
    /// corrects the viewer's own and refuses another.
    pub account_id: Option<ID>,
    /// The name shown to others.
    pub display_name: Option<String>,
    /// The legal name (empty: remove it).
    pub real_name: Option<String>,
    /// The phone (empty: remove it).
    pub phone: Option<String>,
}

/// The input of `setPhoneSharing`.
#[derive(InputObject)]
pub struct PhoneSharingInput {
    /// Show my phone to my building head in the household register.
    pub shared_with_building_head: bool,
}

/// The input of `deleteMyAccount`.
#[derive(InputObject)]
pub struct DeleteMyAccountInput {
    /// The current password, re-entered.
    pub password: String,
}

/// The input of `eraseAccount` and `releaseLegalHold`.
#[derive(InputObject)]
pub struct ErasureInput {
    /// The account (global id).
    pub account_id: ID,
}

/// The input of `setLegalHold`.
#[derive(InputObject)]
pub struct LegalHoldInput {
    /// The account (global id).
    pub account_id: ID,
    /// Why (a dispute in mediation); the person sees it.
    pub reason: String,
}

/// The result of a correction, a consent or a hold.
#[derive(SimpleObject)]
pub struct PersonalDataPayload {
    /// The account as it is now.
    pub account: Account,
}

/// The result of an erasure.
#[derive(SimpleObject)]
pub struct ErasurePayload {
    /// The erased account's global id (now a tombstone: "a former
    /// resident").
    pub account_id: ID,
}

#[derive(Default)]
pub struct PrivacyMutation;

fn correction(input: CorrectionInput) -> Correction {
    Correction { display_name: input.display_name, real_name: input.real_name, phone: input.phone }
}

#[Object]
impl PrivacyMutation {
    /// Correct one's own display name, real name or phone (PIPL Art. 46).
    /// Audited (which fields, never their values).
    #[graphql(visible = "super::shown::own_data", guard = "Allowed(PrivacyPermission::OwnData)")]
    async fn correct_my_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CorrectionInput,
    ) -> ApiResult<PersonalDataPayload> {
        let p = ctx.principal()?;
        let me = p.account_id().ok_or_else(|| crate::error::ApiError::forbidden(t!("auth.people_only")))?;
        if let Some(given) = &input.account_id
            && ids::id_of::<Account>(given, "accountId")? != me
        {
            return Err(crate::error::ApiError::bad_input("accountId", t!("privacy.only_your_own")));
        }
        let a = service::correct(ctx.app(), p, me, correction(input)).await?;
        Ok(PersonalDataPayload { account: Account(a) })
    }

    /// Correct a resident's data on their behalf: the platform admin any
    /// account, the committee its residents and building heads. The person
    /// sees the correction and who made it in `myData`.
    #[graphql(
        visible = "crate::accounts::graphql::shown::manage_account_state",
        guard = "Allowed(crate::accounts::policy::AccountsPermission::ManageAccountState)"
    )]
    async fn correct_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CorrectionInput,
    ) -> ApiResult<PersonalDataPayload> {
        let id = match &input.account_id {
            Some(id) => ids::id_of::<Account>(id, "accountId")?,
            None => return Err(crate::error::ApiError::bad_input("accountId", t!("input.must_not_empty"))),
        };
        let a = service::correct(ctx.app(), ctx.principal()?, id, correction(input)).await?;
        Ok(PersonalDataPayload { account: Account(a) })
    }

    /// Show (or stop showing) one's phone to one's building head in the
    /// household register; changeable at any time.
    #[graphql(visible = "super::shown::own_data", guard = "Allowed(PrivacyPermission::OwnData)")]
    async fn set_phone_sharing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: PhoneSharingInput,
    ) -> ApiResult<PersonalDataPayload> {
        let a = service::set_phone_sharing(ctx.app(), ctx.principal()?, input.shared_with_building_head).await?;
        Ok(PersonalDataPayload { account: Account(a) })
    }

    /// Delete one's own account (PIPL Art. 47), with the password: login
    /// ends everywhere, personal fields are removed, one's content stays
    /// for others as "a former resident". CONFLICT while under legal hold.
    #[graphql(visible = "super::shown::own_data", guard = "Allowed(PrivacyPermission::OwnData)")]
    async fn delete_my_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: DeleteMyAccountInput,
    ) -> ApiResult<ErasurePayload> {
        let p = ctx.principal()?;
        let me = p.account_id().ok_or_else(|| crate::error::ApiError::forbidden(t!("auth.people_only")))?;
        let id = service::erase(ctx.app(), p, me, Eraser::Themself { password: &input.password }).await?;
        Ok(ErasurePayload { account_id: ids::encode("Account", id) })
    }

    /// Erase an account on the person's request (platform admins).
    #[graphql(visible = "super::shown::erase", guard = "Allowed(PrivacyPermission::Erase)")]
    async fn erase_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ErasureInput,
    ) -> ApiResult<ErasurePayload> {
        let id = ids::id_of::<Account>(&input.account_id, "accountId")?;
        let id = service::erase(ctx.app(), ctx.principal()?, id, Eraser::Admin).await?;
        Ok(ErasurePayload { account_id: ids::encode("Account", id) })
    }

    /// Put an account under legal hold: its erasure waits, with a reason
    /// the person sees (an office for people of its region; platform admins).
    #[graphql(visible = "super::shown::hold", guard = "Allowed(PrivacyPermission::Hold)")]
    async fn set_legal_hold(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: LegalHoldInput,
    ) -> ApiResult<PersonalDataPayload> {
        let id = ids::id_of::<Account>(&input.account_id, "accountId")?;
        let reason = Reason::parse("reason", &input.reason)?;
        let a = service::set_legal_hold(ctx.app(), ctx.principal()?, id, Some(reason)).await?;
        Ok(PersonalDataPayload { account: Account(a) })
    }

    /// Release a legal hold.
    #[graphql(visible = "super::shown::hold", guard = "Allowed(PrivacyPermission::Hold)")]
    async fn release_legal_hold(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ErasureInput,
    ) -> ApiResult<PersonalDataPayload> {
        let id = ids::id_of::<Account>(&input.account_id, "accountId")?;
        let a = service::set_legal_hold(ctx.app(), ctx.principal()?, id, None).await?;
        Ok(PersonalDataPayload { account: Account(a) })
    }
}
