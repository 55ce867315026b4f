//! GraphQL of community services, by part: the types (`types`), the
//! queries, the catalogue, requests and delivery records, each with its
//! part of the domain's mutation root. Field names follow the Open
//! Referral Human Services Data Specification (HSDS 3) where the concept is
//! the same: `name`, `description`, `eligibilityDescription`
//! (`eligibility_description`), `schedule` (`schedule.description`),
//! `serviceAreas` (`service_areas`), `fee` (`fees_description`, as an
//! amount).
use async_graphql::SimpleObject;

mod catalogue;
mod delivery;
mod queries;
mod requests;
mod types;

pub use catalogue::*;
pub use delivery::*;
pub use queries::*;
pub use requests::*;
pub use types::*;

/// Who is shown which of this domain's fields: each from the role-level
/// permission its service checks (see `graphql::surface`).
pub mod shown {
    use crate::services::policy::{RequestAction, ServicesPermission};

    crate::shown! {
        read_services => ServicesPermission::ReadServices;
        provide => ServicesPermission::Provide;
        request => ServicesPermission::Request;
        read_requests => ServicesPermission::ReadRequests;
        read_records => ServicesPermission::ReadRecords;
        totals => ServicesPermission::Totals;
        cancel => RequestAction::Cancel;
        rate => RequestAction::Rate;
    }
}

/// The services domain's mutations.
#[derive(async_graphql::MergedObject, Default)]
pub struct ServicesMutation(CatalogueMutation, RequestsMutation, DeliveryMutation);

macro_rules! payloads {
    ($($name:ident { $field:ident: $ty:ty }),* $(,)?) => {$(
        /// The payload of the mutation of the same name.
        #[derive(SimpleObject)]
        pub struct $name {
            /// The object as it is now.
            pub $field: $ty,
        }
    )*};
}

payloads! {
    PublishServicePayload { service: Service },
    UpdateServicePayload { service: Service },
    AddServiceSessionPayload { session: ServiceSession },
    RequestServicePayload { request: ServiceRequest },
    AcceptServiceRequestPayload { request: ServiceRequest },
    ScheduleServiceRequestPayload { request: ServiceRequest },
    DeclineServiceRequestPayload { request: ServiceRequest },
    CompleteServiceRequestPayload { request: ServiceRequest },
    CancelServiceRequestPayload { request: ServiceRequest },
    RateServiceRequestPayload { request: ServiceRequest },
}
