//! GraphQL of the party register: the type, the person's own
//! registration, the party organisation's list, registering and erasing.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::{account, party_member_registration as reg, region};

use super::{policy, service};
use crate::access::{Disclose, Field};
use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::loaders::load_by_id;
use crate::graphql::node::NodeType;
use crate::graphql::scalars::DateTime;

/// Who is shown which of this domain's fields.
pub mod shown {
    use crate::party::policy::PartyPermission;

    crate::shown! {
        register => PartyPermission::Register;
        read_register => PartyPermission::ReadRegister;
    }
}

/// A party member's registration with the community party organisation
/// (党员报到): sensitive, seen by the person and the party organisation only.
#[derive(Clone)]
pub struct PartyMemberRegistration(pub reg::Model);

/// A party member's voluntary registration with the community party
/// organisation (党员报到). Sensitive personal information: only the
/// person and the party organisation over the community ever see it.
#[Object(visible = "shown_register_type")]
impl PartyMemberRegistration {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The community it was made in.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, Some(self.0.community_id), Region).await
    }
    /// The member's name (as shown in the community); each read by the
    /// party organisation is in the person's access log.
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        let a = load_by_id::<account::Entity, _>(ctx, Some(self.0.account_id), |a| a).await?;
        let name = a.map(|a| crate::accounts::graphql::display_name(&a));
        if name.is_some() {
            ctx.disclosed(self.0.account_id, (Self::NAME, Some(self.0.id)), &[Field::PartyMembership]);
        }
        Ok(name)
    }
    /// The party organisation the member belongs to (原所在党组织), if given.
    async fn home_branch(&self) -> Option<&str> {
        self.0.home_branch.as_deref()
    }
    /// When it was made.
    async fn registered_at(&self) -> DateTime {
        self.0.registered_at.into()
    }
}

/// The type is shown to those who register and to the party organisation.
fn shown_register_type(ctx: &Context<'_>) -> bool {
    shown::register(ctx) || shown::read_register(ctx)
}

// Registering writes no audit entry (see the module docs of `party`); were
// there one, nobody would read it once its registration is gone.
crate::node_type!(
    PartyMemberRegistration,
    "PartyMemberRegistration",
    reg,
    policy::visible_registrations,
    tombstones = |_| None
);

#[derive(Default)]
pub struct PartyQuery;

#[Object]
impl PartyQuery {
    /// Your registration with the party organisation of the community you
    /// act in, if you made one.
    #[graphql(visible = "shown::register", guard = "Authenticated")]
    async fn my_party_member_registration(&self, ctx: &Context<'_>) -> ApiResult<Option<PartyMemberRegistration>> {
        Ok(service::mine(&ctx.db().read, ctx.principal()?).await?.map(PartyMemberRegistration))
    }

    /// The party organisation's register: the members who registered in
    /// the communities of its community or street, newest first.
    #[graphql(
        visible = "shown::read_register",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
    async fn party_member_registrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this community (global id).")] community_id: Option<ID>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<PartyMemberRegistration>> {
        let community = community_id.as_ref().map(|c| ids::id_of::<Region>(c, "communityId")).transpose()?;
        let q = service::register_list(ctx.principal()?, community)?;
        let args = PageArgs::new(after, before, first, last);
        paginate_ordered(ctx, q, reg::Column::Id, args, true, PartyMemberRegistration).await
    }
}

/// The input of `registerAsPartyMember`.
#[derive(InputObject)]
pub struct RegisterAsPartyMemberInput {
    /// The party organisation you belong to (原所在党组织), if you wish to say.
    pub home_branch: Option<String>,
}

/// The input of `eraseMyPartyMemberRegistration`.
#[derive(InputObject)]
pub struct EraseMyPartyMemberRegistrationInput {
    /// The registration (global id).
    pub registration_id: ID,
}

/// The result of `registerAsPartyMember`.
#[derive(SimpleObject)]
pub struct RegisterAsPartyMemberPayload {
    /// The registration.
    pub registration: PartyMemberRegistration,
}

/// The result of `eraseMyPartyMemberRegistration`.
#[derive(SimpleObject)]
pub struct EraseMyPartyMemberRegistrationPayload {
    /// The id of the registration, now gone with every record of it.
    pub registration_id: ID,
}

#[derive(Default)]
pub struct PartyMutation;

#[Object]
impl PartyMutation {
    /// A party member living in the community registers with its party
    /// organisation (党员报到), voluntarily. Once per community (CONFLICT).
    #[graphql(visible = "shown::register", guard = "Authenticated")]
    async fn register_as_party_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RegisterAsPartyMemberInput,
    ) -> ApiResult<RegisterAsPartyMemberPayload> {
        let row = service::register(ctx.app(), ctx.principal()?, input.home_branch.as_deref()).await?;
        Ok(RegisterAsPartyMemberPayload { registration: PartyMemberRegistration(row) })
    }

    /// The person erases their registration, at any time: it and every
    /// record of it are deleted, and the erasure leaves none.
    #[graphql(visible = "shown::register", guard = "Authenticated")]
    async fn erase_my_party_member_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: EraseMyPartyMemberRegistrationInput,
    ) -> ApiResult<EraseMyPartyMemberRegistrationPayload> {
        let id = ids::id_of::<PartyMemberRegistration>(&input.registration_id, "registrationId")?;
        let gone = service::erase(ctx.app(), ctx.principal()?, id).await?;
        Ok(EraseMyPartyMemberRegistrationPayload { registration_id: ids::encode(PartyMemberRegistration::NAME, gone) })
    }
}
