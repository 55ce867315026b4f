//! Webhooks (issue 25): events pushed to the backends of mobile apps, NGO
//! systems and district systems, signed by the Standard Webhooks
//! specification, retried, never lost.
//!
//! - `catalogue`: the event types, their objects and JSON schemas.
//! - `outbox`: events written in the transaction of the change (through
//!   the unit of work's `emit`), and their fan-out to endpoints by the
//!   owners' visibility.
//! - `worker`: delivery, shared by every process through the database;
//!   `attempts`: recording each attempt, the retry schedule.
//! - `net`: where requests may go (no private or metadata addresses).
//! - `signing`: secrets and signatures.
//! - `policy`, `service`, `graphql`: endpoints, as for any domain.

pub mod attempts;
pub mod catalogue;
pub mod graphql;
pub mod net;
pub mod outbox;
pub mod policy;
pub mod service;
pub mod signing;
pub mod worker;

pub use catalogue::EventType;

use crate::graphql::loaders::{Loaders, Main};

crate::verbs! {
    /// Audit verbs of webhook endpoints.
    pub enum Verbs {
        Create = "webhook_endpoint.create",
        Update = "webhook_endpoint.update",
        RotateSecret = "webhook_endpoint.rotate_secret",
        Delete = "webhook_endpoint.delete",
        Redeliver = "webhook_endpoint.redeliver",
        SendTest = "webhook_endpoint.send_test",
    }
}

/// The loaders of deliveries (their events and attempts).
pub fn register_loaders(l: &mut Loaders<'_>) {
    l.visible_by_id::<entity::webhook_endpoint::Entity>(policy::visible_endpoints);
    l.visible_by_id::<entity::webhook_delivery::Entity>(policy::visible_deliveries);
    l.by_id::<entity::webhook_event::Entity>();
    l.by_column::<entity::webhook_attempt::Entity, Main>(entity::webhook_attempt::Column::DeliveryId);
}
