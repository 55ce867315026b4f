//! The domain registry: the one file that names every domain. A domain is a
//! folder (types, service, policy, loaders, tests) plus one line in each
//! list below; see ARCHITECTURE.md, "Add a domain".

use async_graphql::{Context, ID, Interface, MergedObject, MergedSubscription, Object};
use sea_orm::{ColumnTrait, Condition};

use crate::accounts::graphql::{Account, ApiClient, Membership};
use crate::audit::graphql::AuditEntry;
use crate::auth::Principal;
use crate::consultations::graphql::Survey;
use crate::directory::graphql::{Building, Organisation, Region};
use crate::error::ApiResult;
use crate::funds::graphql::{BudgetRound, Fund, FundAllocation, FundExpenditure};
use crate::graphql::guards::Authenticated;
use crate::graphql::loaders::Loaders;
use crate::graphql::node::{NodeSet, NodeType, feed_clause, fetch_many};
use crate::notices::graphql::Notice;
use crate::party::graphql::PartyMemberRegistration;
use crate::projects::graphql::{CouncilMeeting, Project, ProjectComment, ProjectTask, ProjectUpdate};
use crate::reports::graphql::Report;
use crate::residency::graphql::{Household, HouseholdFlag, HouseholdVisit, Invitation, JoinRequest};
use crate::services::graphql::{DeliveryRecord, Service, ServiceRequest, ServiceSession};
use crate::volunteering::graphql::{PointsItem, PointsRedemption, VolunteerActivity, VolunteerSignup};
use crate::webhooks::graphql::{WebhookDelivery, WebhookEndpoint};
use crate::{
    accounts, audit, auth, changes, consultations, directory, funds, indicators, notices, party, privacy, projects,
    reports, residency, services, volunteering, webhooks,
};

/// The query root: one entry per domain.
#[derive(MergedObject, Default)]
pub struct Query(
    NodeQuery,
    auth::graphql::AuthQuery,
    directory::graphql::DirectoryQuery,
    accounts::graphql::AccountsQuery,
    audit::graphql::AuditQuery,
    projects::graphql::ProjectsQuery,
    funds::graphql::FundsQuery,
    reports::graphql::ReportsQuery,
    notices::graphql::NoticesQuery,
    services::graphql::ServicesQuery,
    residency::graphql::ResidencyQuery,
    changes::graphql::ChangesQuery,
    indicators::graphql::IndicatorsQuery,
    webhooks::graphql::WebhooksQuery,
    privacy::graphql::PrivacyQuery,
    volunteering::graphql::VolunteeringQuery,
    consultations::graphql::ConsultationsQuery,
    party::graphql::PartyQuery,
);

/// The mutation root: one entry per domain. Shown to the kinds of caller
/// that may make at least one (a district system reads only).
#[derive(MergedObject, Default)]
#[graphql(visible = "mutates_something")]
pub struct Mutation(
    auth::graphql::AuthMutation,
    directory::graphql::DirectoryMutation,
    accounts::graphql::AccountsMutation,
    projects::graphql::ProjectsMutation,
    funds::graphql::FundsMutation,
    reports::graphql::ReportsMutation,
    notices::graphql::NoticesMutation,
    services::graphql::ServicesMutation,
    residency::graphql::ResidencyMutation,
    webhooks::graphql::WebhooksMutation,
    privacy::graphql::PrivacyMutation,
    volunteering::graphql::VolunteeringMutation,
    consultations::graphql::ConsultationsMutation,
    party::graphql::PartyMutation,
);

/// The subscription root: one entry per domain with live events. Shown to
/// the kinds of caller that may follow at least one of them (a kind with
/// none would otherwise see an empty root type, which is not a schema).
#[derive(MergedSubscription, Default)]
#[graphql(visible = "follows_something")]
pub struct Subscription(
    projects::graphql::ProjectsSubscription,
    reports::graphql::ReportsSubscription,
    notices::graphql::NoticesSubscription,
);

/// May the caller's kind make any mutation? People sign in and out; of the
/// API clients, an NGO system pushes its services and records, and every
/// client registers its webhook endpoints.
fn mutates_something(ctx: &Context<'_>) -> bool {
    crate::graphql::surface::not_machines(ctx)
        || services::graphql::shown::provide(ctx)
        || webhooks::graphql::shown::manage(ctx)
}

/// May the caller's kind follow any of the subscription root's fields?
fn follows_something(ctx: &Context<'_>) -> bool {
    projects::graphql::shown::read_projects(ctx)
        || reports::graphql::shown::file(ctx)
        || reports::graphql::shown::queue(ctx)
        || notices::graphql::shown::read_notices(ctx)
        || notices::graphql::shown::visit(ctx)
}

/// Every domain's DataLoaders, per request.
pub fn register_loaders(l: &mut Loaders<'_>) {
    directory::register_loaders(l);
    accounts::register_loaders(l);
    projects::register_loaders(l);
    funds::register_loaders(l);
    reports::register_loaders(l);
    notices::register_loaders(l);
    services::register_loaders(l);
    residency::register_loaders(l);
    webhooks::register_loaders(l);
    volunteering::register_loaders(l);
    consultations::register_loaders(l);
    party::register_loaders(l);
}

/// Every audit verb's wire name, by domain.
pub fn audit_verbs() -> Vec<&'static str> {
    use crate::uow::Verb;
    let mut all = Vec::new();
    all.extend(auth::Verbs::ALL.iter().map(|v| v.wire()));
    all.extend(directory::Verbs::ALL.iter().map(|v| v.wire()));
    all.extend(accounts::Verbs::ALL.iter().map(|v| v.wire()));
    all.extend(projects::Verbs::ALL.iter().map(|v| v.wire()));
    all.extend(funds::Verbs::ALL.iter().map(|v| v.wire()));
    all.extend(reports::Verbs::ALL.iter().map(|v| v.wire()));
    all.extend(notices::Verbs::ALL.iter().map(|v| v.wire()));
    all.extend(services::Verbs::ALL.iter().map(|v| v.wire()));
    all.extend(indicators::Verbs::ALL.iter().map(|v| v.wire()));
    all.extend(residency::Verbs::ALL.iter().map(|v| v.wire()));
    all.extend(webhooks::Verbs::ALL.iter().map(|v| v.wire()));
    all.extend(privacy::Verbs::ALL.iter().map(|v| v.wire()));
    all.extend(volunteering::Verbs::ALL.iter().map(|v| v.wire()));
    all.extend(consultations::Verbs::ALL.iter().map(|v| v.wire()));
    all
}

/// Every domain's own HTTP routes (beside `/graphql`).
pub fn routes() -> axum::Router<crate::http::HttpState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/photos/{id}", get(reports::photos::full))
        .route("/photos/{id}/thumbnail", get(reports::photos::thumbnail))
        .merge(reports::open311::routes())
        .merge(services::hsds::routes())
        .merge(indicators::export::routes())
        .merge(privacy::download::routes())
}

/// Every domain's background jobs, started with the server.
pub fn spawn_jobs(app: &crate::state::AppState) {
    reports::jobs::spawn(app);
    notices::jobs::spawn(app);
    indicators::jobs::spawn(app);
    webhooks::worker::spawn(app);
    privacy::service::retention::spawn(app);
}

macro_rules! node_types {
    ($($ty:ident),* $(,)?) => {
        /// An object with a global id.
        #[derive(Interface, Clone)]
        #[graphql(field(name = "id", ty = "ID", desc = "The opaque global id."))]
        pub enum Node {
            $($ty($ty),)*
        }

        /// The node type names, for tests and tools.
        pub const NODE_TYPES: &[&str] = &[$(<$ty as NodeType>::NAME,)*];

        /// Feed entries (audit rows, change entries) the principal may read
        /// by their object: one clause per node type, each through that
        /// type's own visible-rows query (and its rule for objects that are
        /// gone). No opt-in: a type without a clause here is not a node
        /// type, and its entries match nothing.
        /// With `tombstones` (the audit log), also entries about objects
        /// that are gone under each type's rule for that.
        pub fn feed_condition(
            p: &Principal,
            type_col: impl ColumnTrait,
            id_col: impl ColumnTrait,
            tombstones: bool,
        ) -> Condition {
            let mut any = Condition::any();
            $(
                // Entries about audit entries do not exist; the audit
                // entry's own visibility is this condition (no recursion).
                if <$ty as NodeType>::NAME != <AuditEntry as NodeType>::NAME {
                    any = any.add(feed_clause::<$ty>(p, type_col, id_col, tombstones));
                }
            )*
            any
        }

        impl NodeSet for Node {
            async fn fetch(ctx: &Context<'_>, ty: &str, ids: Vec<i32>) -> ApiResult<Vec<(i32, Node)>> {
                $(
                    if ty == <$ty as NodeType>::NAME {
                        let found = <$ty as NodeType>::fetch_visible(ctx, ids).await?;
                        return Ok(found.into_iter().map(|o| (o.db_id(), Node::$ty(o))).collect());
                    }
                )*
                Ok(Vec::new())
            }
        }
    };
}

/// `node` and `nodes`: any object by global id, through its own type's
/// visibility.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetch an object by global id; `null` when it does not exist or the
    /// viewer may not see it (as Relay expects). Typed lookups such as
    /// `project(id:)` answer NOT_FOUND instead.
    #[graphql(visible = "crate::graphql::surface::signed_in", guard = "Authenticated")]
    async fn node(&self, ctx: &Context<'_>, #[graphql(desc = "A global id.")] id: ID) -> ApiResult<Option<Node>> {
        Ok(fetch_many::<Node>(ctx, std::slice::from_ref(&id)).await?.pop().flatten())
    }

    /// Fetch up to 100 objects by global id, in order; `null` for each one
    /// that does not exist or is not visible.
    #[graphql(
        visible = "crate::graphql::surface::signed_in",
        guard = "Authenticated",
        complexity = "ids.len() * child_complexity"
    )]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Up to 100 global ids.")] ids: Vec<ID>,
    ) -> ApiResult<Vec<Option<Node>>> {
        fetch_many(ctx, &ids).await
    }
}

node_types!(
    Region,
    Building,
    Organisation,
    Account,
    Membership,
    ApiClient,
    AuditEntry,
    Project,
    ProjectTask,
    ProjectUpdate,
    ProjectComment,
    CouncilMeeting,
    Fund,
    FundAllocation,
    FundExpenditure,
    BudgetRound,
    Report,
    Notice,
    Service,
    ServiceSession,
    ServiceRequest,
    DeliveryRecord,
    JoinRequest,
    Invitation,
    Household,
    HouseholdFlag,
    HouseholdVisit,
    WebhookEndpoint,
    WebhookDelivery,
    VolunteerActivity,
    VolunteerSignup,
    PointsItem,
    PointsRedemption,
    Survey,
    PartyMemberRegistration,
);

#[cfg(test)]
mod tests {
    /// Wire names are frozen: they are stored in the audit log and shown by
    /// the API. Renaming a Rust variant must not change this list; adding a
    /// verb adds a line.
    #[test]
    fn audit_verbs_and_event_kinds_are_frozen() {
        assert_eq!(
            super::audit_verbs(),
            [
                "auth.login",
                "auth.refresh",
                "auth.logout",
                "auth.client_token",
                "auth.change_password",
                "auth.end_session",
                "auth.end_other_sessions",
                "auth.revoke_token",
                "account.disable",
                "account.enable",
                "account.reset_password",
                "region.create",
                "building.create",
                "organisation.create",
                "organisation.set_service_area",
                "account.create",
                "membership.create",
                "membership.delete",
                "api_client.create",
                "api_client.revoke",
                "api_client.set_documents",
                "project.create",
                "project.edit",
                "project.submit",
                "project.start_deliberation",
                "project.open_voting",
                "project.close_voting",
                "project.endorse",
                "project.approve",
                "project.reject",
                "project.cancel",
                "project.start",
                "project.complete",
                "project.close_evaluation",
                "project.add_participant",
                "project.create_task",
                "project.complete_task",
                "project.post_update",
                "project.evaluate",
                "comment.create",
                "comment.edit",
                "comment.remove",
                "council.create_meeting",
                "council.record_meeting",
                "council.reschedule_meeting",
                "council.cancel_meeting",
                "council.decide",
                "council.add_member",
                "council.remove_member",
                "community.update_settings",
                "fund.create",
                "fund.freeze",
                "fund.unfreeze",
                "fund.close",
                "allocation.make",
                "allocation.change",
                "allocation.withdraw",
                "expenditure.record",
                "expenditure.approve",
                "expenditure.reject",
                "budget_round.open",
                "budget_round.add_project",
                "budget_round.start_voting",
                "budget_round.close",
                "budget_round.cancel",
                "report.submit",
                "report.accept",
                "report.reject",
                "report.assign",
                "report.start",
                "report.resolve",
                "report.confirm",
                "report.reopen",
                "report.mediate",
                "report.note",
                "report.escalate",
                "report.rate",
                "report.return",
                "report.set_expected_completion",
                "report.record_mediation_session",
                "report.add_dispute_party",
                "report.set_mediator",
                "report.auto_escalate",
                "report.auto_close",
                "report_category.set",
                "notice.publish",
                "notice.edit",
                "notice.withdraw",
                "alert.respond",
                "alert.close",
                "alert.visit",
                "alert.to_report",
                "alert.flag",
                "service.publish",
                "service.update",
                "service_session.add",
                "service_request.create",
                "service_request.accept",
                "service_request.schedule",
                "service_request.decline",
                "service_request.complete",
                "service_request.cancel",
                "service_request.rate",
                "delivery_record.upsert",
                "delivery_record.delete",
                "indicators.freeze",
                "indicators.revise",
                "account.sign_up",
                "join_request.create",
                "join_request.approve",
                "join_request.reject",
                "join_request.withdraw",
                "invitation.create",
                "invitation.redeem",
                "household.create",
                "household.set_contact",
                "household.flag_set",
                "household.flag_clear",
                "household.visit_record",
                "webhook_endpoint.create",
                "webhook_endpoint.update",
                "webhook_endpoint.rotate_secret",
                "webhook_endpoint.delete",
                "webhook_endpoint.redeliver",
                "webhook_endpoint.send_test",
                "account.correct",
                "account.set_consent",
                "account.hold",
                "account.release",
                "account.erase",
                "volunteer_activity.create",
                "volunteer_activity.publish",
                "volunteer_activity.start",
                "volunteer_activity.complete",
                "volunteer_activity.cancel",
                "volunteer_activity.sign_up",
                "volunteer_activity.withdraw",
                "volunteer_activity.check_in",
                "volunteer_activity.check_out",
                "volunteer_activity.confirm",
                "points_rules.set",
                "points_item.offer",
                "points_redemption.create",
                "points_redemption.fulfil",
                "points_redemption.cancel",
                "survey.create",
                "survey.open",
                "survey.close",
            ]
        );
        use crate::projects::ProjectEventKind::*;
        let kinds = [Transition, Edit, Update, Comment, Tally, Task, Participant, Evaluation, Endorsement];
        let wire = "TRANSITION EDIT UPDATE COMMENT TALLY TASK PARTICIPANT EVALUATION ENDORSEMENT".split(' ');
        assert!(kinds.iter().map(|k| serde_json::to_value(k).ok()).eq(wire.map(|w| Some(w.into()))));
        assert_eq!(super::NODE_TYPES.len(), 35);
    }
}
