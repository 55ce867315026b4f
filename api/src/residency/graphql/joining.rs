//! Sign-up, join requests and invitations.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::super::lifecycle::JoinAction;
use super::super::service::{self, JoinInput, NewInvitation, SignUp};
use super::{Invitation, JoinRequest};
use crate::accounts::graphql::{Account, Membership};
use crate::auth::graphql::AuthPayload;
use crate::directory::graphql::{Building, Region};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;

/// Where a person asks to live.
#[derive(InputObject)]
pub struct JoinRequestInput {
    /// The community (global id).
    pub community_id: ID,
    /// A building of that community (global id).
    pub building_id: ID,
    /// The unit (单元) of the flat, e.g. "1" (with `number`).
    pub unit: Option<String>,
    /// The flat number, e.g. "101" (with `unit`).
    pub number: Option<String>,
    /// A note to whoever decides (who you are, since when you live there).
    pub note: Option<String>,
}

impl JoinRequestInput {
    fn decode(self) -> ApiResult<JoinInput> {
        Ok(JoinInput {
            community_id: ids::id_of::<Region>(&self.community_id, "communityId")?,
            building_id: ids::id_of::<Building>(&self.building_id, "buildingId")?,
            flat: match (self.unit, self.number) {
                (Some(u), Some(n)) => Some((u, n)),
                (None, None) => None,
                _ => return Err(crate::error::ApiError::bad_input("number", t!("residency.unit_and_number"))),
            },
            note: self.note,
        })
    }
}

/// Sign up.
#[derive(InputObject)]
pub struct SignUpInput {
    /// The login name: 3 to 64 letters, digits, `-`, `_` or `.` (a phone
    /// number will do).
    pub username: String,
    /// 8 to 200 characters, not the username, not a common password.
    pub password: String,
    /// The name shown to others.
    pub display_name: String,
    /// A phone number (kept private: the person, the committee and, once a
    /// resident, the building head).
    pub phone: Option<String>,
    /// The version of the privacy notice the person accepted; must be the
    /// current one (see the README).
    pub privacy_notice_version: String,
    /// Ask to join a community now (or later with `requestToJoin`).
    pub join: Option<JoinRequestInput>,
    /// A committee's invitation code: join at once, no request needed.
    pub invitation_code: Option<String>,
}

/// The result of `signUp`.
#[derive(SimpleObject)]
pub struct SignUpPayload {
    /// The new account.
    pub account: Account,
    /// Tokens acting as the new person (or as the resident an invitation
    /// made them).
    pub session: AuthPayload,
    /// The join request, if one was made.
    pub join_request: Option<JoinRequest>,
}

/// A join request to decide or withdraw.
#[derive(InputObject)]
pub struct JoinRequestRefInput {
    /// The request (global id).
    pub request_id: ID,
}

/// Reject a join request.
#[derive(InputObject)]
pub struct RejectJoinRequestInput {
    /// The request (global id).
    pub request_id: ID,
    /// Why; the person sees it.
    pub reason: String,
}

/// The payload of a join request mutation.
#[derive(SimpleObject)]
pub struct JoinRequestPayload {
    /// The request as it is now.
    pub request: JoinRequest,
}

/// Invite a person to a building (and flat) of the committee's community.
#[derive(InputObject)]
pub struct CreateInvitationInput {
    /// The building (global id).
    pub building_id: ID,
    /// The flat, a household of that building (global id).
    pub household_id: Option<ID>,
    /// How long the code works (hours; default 168, at most 720).
    pub expires_in_hours: Option<i32>,
}

/// The result of `createInvitation`.
#[derive(SimpleObject)]
pub struct CreateInvitationPayload {
    /// The invitation.
    pub invitation: Invitation,
    /// The one-time code, shown this once: give it to the person.
    pub code: String,
}

/// Use an invitation code.
#[derive(InputObject)]
pub struct RedeemInvitationInput {
    /// The code as given (case and separators do not matter).
    pub code: String,
}

/// The result of `redeemInvitation`.
#[derive(SimpleObject)]
pub struct RedeemInvitationPayload {
    /// The RESIDENT membership it made; log in with it to act as resident.
    pub membership: Membership,
}

#[derive(Default)]
pub struct JoiningMutation;

#[Object]
impl JoiningMutation {
    /// Make an account (no token needed; throttled per address like a
    /// login). The new account can log in at once; until its community
    /// verifies it, it acts as PERSON: public information and its own
    /// requests only.
    #[graphql(visible = "crate::graphql::surface::anonymous")]
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: SignUpInput,
    ) -> ApiResult<SignUpPayload> {
        let join = input.join.map(JoinRequestInput::decode).transpose()?;
        let s = SignUp {
            username: input.username,
            password: input.password,
            display_name: input.display_name,
            phone: input.phone,
            privacy_notice_version: input.privacy_notice_version,
            join,
            invitation_code: input.invitation_code,
        };
        let done = service::sign_up(ctx.app(), &ctx.client(), s).await?;
        crate::graphql::context::note_signed_in(ctx, &done.session.principal);
        Ok(SignUpPayload {
            account: Account(done.account),
            session: done.session.into(),
            join_request: done.request.map(JoinRequest),
        })
    }

    /// Ask to join a community as a resident (at most one pending request
    /// per community).
    #[graphql(visible = "super::shown::join", guard = "Authenticated")]
    async fn request_to_join(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: JoinRequestInput,
    ) -> ApiResult<JoinRequestPayload> {
        let r = service::request_to_join(ctx.app(), ctx.principal()?, input.decode()?).await?;
        Ok(JoinRequestPayload { request: JoinRequest(r) })
    }

    /// The committee or the building head approves: the person becomes a
    /// RESIDENT (they log in again to act as one).
    #[graphql(visible = "super::shown::decide", guard = "Authenticated")]
    async fn approve_join_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: JoinRequestRefInput,
    ) -> ApiResult<JoinRequestPayload> {
        decide(ctx, &input.request_id, JoinAction::Approve, None).await
    }

    /// The committee or the building head rejects, with a reason.
    #[graphql(visible = "super::shown::decide", guard = "Authenticated")]
    async fn reject_join_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RejectJoinRequestInput,
    ) -> ApiResult<JoinRequestPayload> {
        decide(ctx, &input.request_id, JoinAction::Reject, Some(input.reason)).await
    }

    /// The person withdraws their pending request.
    #[graphql(visible = "super::shown::join", guard = "Authenticated")]
    async fn withdraw_join_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: JoinRequestRefInput,
    ) -> ApiResult<JoinRequestPayload> {
        decide(ctx, &input.request_id, JoinAction::Withdraw, None).await
    }

    /// The committee makes a one-time invitation code.
    #[graphql(visible = "super::shown::invite", guard = "Authenticated")]
    async fn create_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CreateInvitationInput,
    ) -> ApiResult<CreateInvitationPayload> {
        let new = NewInvitation {
            building_id: ids::id_of::<Building>(&input.building_id, "buildingId")?,
            household_id: input
                .household_id
                .as_ref()
                .map(|h| ids::id_of::<super::Household>(h, "householdId"))
                .transpose()?,
            ttl_hours: input.expires_in_hours.map(i64::from),
        };
        let (inv, code) = service::create_invitation(ctx.app(), ctx.principal()?, new).await?;
        Ok(CreateInvitationPayload { invitation: Invitation(inv), code })
    }

    /// A signed-in person uses an invitation code (throttled like a login).
    #[graphql(visible = "super::shown::join", guard = "Authenticated")]
    async fn redeem_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RedeemInvitationInput,
    ) -> ApiResult<RedeemInvitationPayload> {
        let m = service::redeem(ctx.app(), ctx.principal()?, &ctx.client(), &input.code).await?;
        Ok(RedeemInvitationPayload { membership: Membership(m) })
    }
}

async fn decide(
    ctx: &Context<'_>,
    id: &ID,
    action: JoinAction,
    reason: Option<String>,
) -> ApiResult<JoinRequestPayload> {
    let id = ids::id_of::<JoinRequest>(id, "requestId")?;
    let r = service::decide(ctx.app(), ctx.principal()?, id, action, reason).await?;
    Ok(JoinRequestPayload { request: JoinRequest(r) })
}
