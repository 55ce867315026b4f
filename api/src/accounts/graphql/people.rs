//! Creating accounts and granting and removing memberships.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use crate::accounts::policy::AccountsPermission;
use crate::accounts::service::{self, NewAccount, ScopeInput};
use crate::directory::graphql::{Building, Organisation, Region};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{Allowed, Authenticated};
use crate::graphql::ids;

use super::*;

/// The input of `createAccount`.
#[derive(InputObject)]
pub struct CreateAccountInput {
    /// 3–64 characters: letters, digits, `-`, `_`, `.`.
    pub username: String,
    /// The name shown to others.
    pub display_name: String,
    /// The legal name; personal data.
    pub real_name: Option<String>,
    /// The phone number; personal data.
    pub phone: Option<String>,
    /// At least 8 characters.
    pub password: String,
}

/// The input of `addMembership`.
#[derive(InputObject)]
pub struct AddMembershipInput {
    /// The account (global id).
    pub account_id: ID,
    /// The role.
    pub role: Role,
    /// A community (committee) or a street/district (office).
    pub region_id: Option<ID>,
    /// The building of a resident or building head.
    pub building_id: Option<ID>,
    /// The flat (household) of a resident or building head, in that building.
    pub household_id: Option<ID>,
    /// The organisation of an office, committee, social organisation or
    /// property company.
    pub organisation_id: Option<ID>,
}

/// The input of `removeMembership`.
#[derive(InputObject)]
pub struct RemoveMembershipInput {
    /// The membership (global id).
    pub membership_id: ID,
}

/// The result of `createAccount`.
#[derive(SimpleObject)]
pub struct CreateAccountPayload {
    /// The account.
    pub account: Account,
}

/// The result of `addMembership`.
#[derive(SimpleObject)]
pub struct AddMembershipPayload {
    /// The membership.
    pub membership: Membership,
}

/// The result of `removeMembership`.
#[derive(SimpleObject)]
pub struct RemoveMembershipPayload {
    /// The membership.
    pub membership: Membership,
}

/// Mutations of people and memberships.
#[derive(Default)]
pub struct PeopleMutation;

#[Object]
impl PeopleMutation {
    /// Create an account (platform admins).
    #[graphql(visible = "super::shown::manage_accounts", guard = "Allowed(AccountsPermission::ManageAccounts)")]
    async fn create_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CreateAccountInput,
    ) -> ApiResult<CreateAccountPayload> {
        let account: ApiResult<Account> = async {
            let p = ctx.principal()?;
            let new = NewAccount {
                username: input.username,
                display_name: input.display_name,
                real_name: input.real_name,
                phone: input.phone,
                password: input.password,
            };
            Ok(Account(service::create_account(ctx.db(), p, new).await?))
        }
        .await;
        Ok(CreateAccountPayload { account: account? })
    }

    /// Grant an account a role in a scope (platform admins).
    #[graphql(visible = "super::shown::manage_accounts", guard = "Allowed(AccountsPermission::ManageAccounts)")]
    async fn add_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AddMembershipInput,
    ) -> ApiResult<AddMembershipPayload> {
        let membership: ApiResult<Membership> = async {
            let p = ctx.principal()?;
            let account_id = ids::id_of::<Account>(&input.account_id, "accountId")?;
            let scope = ScopeInput {
                region_id: ids::opt_id_of::<Region>(input.region_id.as_ref(), "regionId")?,
                building_id: ids::opt_id_of::<Building>(input.building_id.as_ref(), "buildingId")?,
                organisation_id: ids::opt_id_of::<Organisation>(input.organisation_id.as_ref(), "organisationId")?,
                household_id: ids::opt_id_of::<crate::residency::graphql::Household>(
                    input.household_id.as_ref(),
                    "householdId",
                )?,
            };
            Ok(Membership(service::add_membership(ctx.db(), p, account_id, input.role.into(), scope).await?))
        }
        .await;
        Ok(AddMembershipPayload { membership: membership? })
    }

    /// End a membership; sessions acting in it end. Platform admins any;
    /// the committee a resident's or building head's of its community (the
    /// person moved out: they keep the account).
    #[graphql(visible = "super::shown::manage_account_state", guard = "Authenticated")]
    async fn remove_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RemoveMembershipInput,
    ) -> ApiResult<RemoveMembershipPayload> {
        let membership: ApiResult<Membership> = async {
            let p = ctx.principal()?;
            let id = ids::id_of::<Membership>(&input.membership_id, "membershipId")?;
            Ok(Membership(service::remove_membership(ctx.app(), p, id).await?))
        }
        .await;
        Ok(RemoveMembershipPayload { membership: membership? })
    }
}
