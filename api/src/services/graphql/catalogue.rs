//! Publishing and changing services and their sessions.

use async_graphql::{Context, ID, InputObject, Object};

use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::scalars::{DateTime, Money};
use crate::services::catalogue;

use super::*;

/// A service as its organisation describes it (HSDS names).
#[derive(InputObject)]
pub struct ServiceInput {
    /// Name (HSDS `name`, at most 200 characters).
    pub name: String,
    /// What it is (HSDS `description`).
    pub description: String,
    /// What it is about.
    pub category: ServiceCategory,
    /// Who may use it (HSDS `eligibility_description`).
    pub eligibility_description: Option<String>,
    /// Opening hours in words (HSDS `schedule.description`).
    pub schedule: Option<String>,
    /// Fee per occasion in fen; leave out for a free service.
    pub fee: Option<Money>,
    /// How to reach it (a phone number, an address).
    pub contact: Option<String>,
    /// Communities where it is offered: among those the organisation serves (HSDS `service_areas`).
    pub service_area_ids: Vec<ID>,
}

impl ServiceInput {
    fn into_service(self) -> ApiResult<catalogue::ServiceInput> {
        let community_ids = self
            .service_area_ids
            .iter()
            .map(|c| ids::id_of::<Region>(c, "serviceAreaIds"))
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(catalogue::ServiceInput {
            name: self.name,
            description: self.description,
            category: self.category.into(),
            eligibility_description: self.eligibility_description,
            schedule: self.schedule,
            fee_fen: self.fee.map(|m| m.0),
            contact: self.contact,
            community_ids,
        })
    }
}

/// Change a service: its whole description and its state.
#[derive(InputObject)]
pub struct UpdateServiceInput {
    /// The service (global id).
    pub service_id: ID,
    /// The new description.
    pub service: ServiceInput,
    /// ACTIVE, PAUSED or ENDED.
    pub status: ServiceStatus,
}

/// A dated session with seats.
#[derive(InputObject)]
pub struct AddServiceSessionInput {
    /// The service (global id).
    pub service_id: ID,
    /// One of its communities.
    pub community_id: ID,
    /// Start.
    pub starts_at: DateTime,
    /// End (after the start).
    pub ends_at: DateTime,
    /// Seats (1 to 10000).
    pub capacity: i32,
}

/// Mutations of the catalogue.
#[derive(Default)]
pub struct CatalogueMutation;

#[Object]
impl CatalogueMutation {
    /// A social organisation publishes a service (ACTIVE) in communities it serves.
    #[graphql(visible = "super::shown::provide", guard = "Authenticated")]
    async fn publish_service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ServiceInput,
    ) -> ApiResult<PublishServicePayload> {
        let s = catalogue::publish(ctx.db(), ctx.principal()?, input.into_service()?).await?;
        Ok(PublishServicePayload { service: Service(s) })
    }

    /// The organisation changes its service, or pauses or ends it.
    #[graphql(visible = "super::shown::provide", guard = "Authenticated")]
    async fn update_service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: UpdateServiceInput,
    ) -> ApiResult<UpdateServicePayload> {
        let id = ids::id_of::<Service>(&input.service_id, "serviceId")?;
        let s = catalogue::update(ctx.db(), ctx.principal()?, id, input.service.into_service()?, input.status.into())
            .await?;
        Ok(UpdateServicePayload { service: Service(s) })
    }

    /// The organisation adds a dated session with seats.
    #[graphql(visible = "super::shown::provide", guard = "Authenticated")]
    async fn add_service_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AddServiceSessionInput,
    ) -> ApiResult<AddServiceSessionPayload> {
        let service = ids::id_of::<Service>(&input.service_id, "serviceId")?;
        let community = ids::id_of::<Region>(&input.community_id, "communityId")?;
        let s = catalogue::add_session(
            ctx.db(),
            ctx.principal()?,
            service,
            community,
            input.starts_at.0,
            input.ends_at.0,
            input.capacity,
        )
        .await?;
        Ok(AddServiceSessionPayload { session: ServiceSession(s) })
    }
}
