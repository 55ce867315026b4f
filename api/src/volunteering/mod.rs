//! Self-service (自我服务): volunteer activities with recorded hours, the
//! community's points (积分制) and its points store (积分超市).
//!
//! An organiser (the committee, or an NGO or property company serving the
//! community) publishes an activity; residents sign up for its places
//! (taken by a conditional UPDATE, so concurrent sign-ups never overfill
//! it; the rest wait in sign-up order and move up when a place frees); the
//! organiser checks people in and out or confirms attendance afterwards,
//! which records minutes and awards points by the community's rules
//! ([`points`]). Points live in an append-only ledger with the balance
//! after each row; the [`store`] reserves stock and points together.
//! Lifecycles (tables in [`lifecycle`]): an activity DRAFT, OPEN, FULL,
//! ONGOING, COMPLETED or CANCELLED; a redemption RESERVED, then FULFILLED
//! or CANCELLED.

pub mod graphql;
pub mod lifecycle;
pub mod points;
pub mod policy;
pub mod service;
pub mod store;

use entity::{points_item, volunteer_activity, volunteer_signup};

use crate::graphql::loaders::{Loaders, Main};

crate::verbs! {
    /// What volunteering, points and store mutations do, as recorded in the audit log.
    pub enum Verbs {
        ActivityCreate = "volunteer_activity.create",
        ActivityPublish = "volunteer_activity.publish",
        ActivityStart = "volunteer_activity.start",
        ActivityComplete = "volunteer_activity.complete",
        ActivityCancel = "volunteer_activity.cancel",
        SignUp = "volunteer_activity.sign_up",
        Withdraw = "volunteer_activity.withdraw",
        CheckIn = "volunteer_activity.check_in",
        CheckOut = "volunteer_activity.check_out",
        Confirm = "volunteer_activity.confirm",
        RulesSet = "points_rules.set",
        ItemOffer = "points_item.offer",
        Redeem = "points_redemption.create",
        Fulfil = "points_redemption.fulfil",
        CancelRedemption = "points_redemption.cancel",
    }
}

pub fn register_loaders(l: &mut Loaders<'_>) {
    l.visible_by_id::<volunteer_activity::Entity>(policy::visible_activities);
    l.visible_by_id::<points_item::Entity>(policy::visible_items);
    l.visible_by_column::<volunteer_signup::Entity, Main>(
        volunteer_signup::Column::ActivityId,
        policy::visible_signups,
    );
    // The buildings an activity is for: read with the activity, whose own
    // visibility was checked.
    l.by_column::<entity::volunteer_activity_building::Entity, Main>(
        entity::volunteer_activity_building::Column::ActivityId,
    );
}
