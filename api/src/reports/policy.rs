//! Who may do what to reports, which reports each principal may see, and
//! who may see the reporter.
//!
//! Reading: the reporter (and a building head who filed for them) their
//! reports; residents of the community the public ones, without the
//! reporter's identity; the assigned organisation the reports assigned to
//! it, with the reporter's contact unless the report is anonymous;
//! building heads their building's; the committee its community's; the
//! office its region's; platform admins all; machine clients none.
//! DISPUTE reports are never public.

use entity::enums::{ReportStatus, Role};
use entity::report;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::lifecycle::Described;
use crate::policy::{
    Permission, communities_filter, is_committee_of, is_org_staff, is_person, is_resident_of, never, office_over,
    require,
};

/// The category code of neighbour disputes: always private, mediated by the committee.
pub const DISPUTE: &str = "DISPUTE";

/// What may be done to a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportAction {
    Accept,
    Reject,
    Assign,
    Start,
    Resolve,
    Confirm,
    Reopen,
    Mediate,
    Note,
    Escalate,
    Rate,
    /// The assigned organisation hands a misrouted report back.
    Return,
    /// The assigned organisation says when it expects to finish.
    Expect,
    /// The committee records a dispute's mediation (parties, mediator, sessions).
    RecordMediation,
}

impl crate::lifecycle::Described for ReportAction {
    fn words(self) -> crate::i18n::Msg {
        match self {
            Self::Accept => t!("reports.action.accept"),
            Self::Reject => t!("reports.action.reject"),
            Self::Assign => t!("reports.action.assign"),
            Self::Start => t!("reports.action.start"),
            Self::Resolve => t!("reports.action.resolve"),
            Self::Confirm => t!("reports.action.confirm"),
            Self::Reopen => t!("reports.action.reopen"),
            Self::Mediate => t!("reports.action.mediate"),
            Self::Note => t!("reports.action.note"),
            Self::Escalate => t!("reports.action.escalate"),
            Self::Rate => t!("reports.action.rate"),
            Self::Return => t!("reports.action.return"),
            Self::Expect => t!("reports.action.expect"),
            Self::RecordMediation => t!("reports.action.record_mediation"),
        }
    }
}

/// The role-level half of each action: could a principal of this role do
/// it to some report in its scope? [`authorize`] starts from it, and the
/// schema shows each action's mutation to exactly these roles.
impl Permission for ReportAction {
    fn action(&self) -> crate::i18n::Msg {
        self.words()
    }

    fn allowed(&self, p: &Principal) -> bool {
        use ReportAction::*;
        let person = is_person(p);
        let committee = person && p.role == Role::CommunityCommittee;
        let office = person && p.role == Role::GovernmentOffice;
        let head = person && p.role == Role::BuildingHead;
        let reporter = person && matches!(p.role, Role::Resident | Role::BuildingHead);
        match self {
            Accept => committee || office || head,
            Reject | Assign => committee || office,
            Start | Resolve | Return | Expect => is_org_staff(p),
            Confirm | Reopen | Rate => reporter,
            Mediate | RecordMediation => committee,
            Note => committee || office || head || is_org_staff(p),
            Escalate => committee || head,
        }
    }
}

/// Reading and filing reports, categories, the organisations' queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportsPermission {
    /// Reports, their counts and categories: people of a role with a scope.
    ReadReports,
    /// File a report: residents and building heads.
    File,
    /// Manage a community's report categories: the committee.
    ManageCategories,
    /// Follow an organisation's work queue: its staff.
    Queue,
}

impl Permission for ReportsPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::ReadReports => t!("reports.perm.read"),
            Self::File => t!("reports.perm.file"),
            Self::ManageCategories => t!("reports.perm.categories"),
            Self::Queue => t!("reports.perm.queue"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        match self {
            Self::ReadReports => is_person(p) && p.role != Role::Person,
            Self::File => is_person(p) && matches!(p.role, Role::Resident | Role::BuildingHead),
            Self::ManageCategories => is_person(p) && p.role == Role::CommunityCommittee,
            Self::Queue => is_org_staff(p),
        }
    }
}

/// What the policy needs to know about a report.
pub struct ReportFacts<'a> {
    pub report: &'a report::Model,
    /// Materialised path of the report's community.
    pub community_path: String,
}

fn is_head_of(p: &Principal, r: &report::Model) -> bool {
    p.role == Role::BuildingHead
        && is_resident_of(p, r.community_id)
        && r.building_id.is_some()
        && p.scope.building_id == r.building_id
}

fn is_assignee(p: &Principal, r: &report::Model) -> bool {
    is_org_staff(p) && r.assigned_organisation_id.is_some() && p.scope.organisation_id == r.assigned_organisation_id
}

/// May the principal file a report in this community (for themselves)?
pub fn may_report(p: &Principal, community_id: i32) -> ApiResult<()> {
    require(
        ReportsPermission::File.allowed(p) && is_resident_of(p, community_id),
        t!("reports.residents_community_file_reports"),
    )
}

/// May the principal manage this community's report categories?
pub fn may_manage_categories(p: &Principal, community_id: i32) -> ApiResult<()> {
    require(
        ReportsPermission::ManageCategories.allowed(p) && is_committee_of(p, community_id),
        t!("reports.community_committee_manages_report_categories"),
    )
}

/// May the principal do `action` to the report? The state is the
/// transition table's business.
pub fn authorize(p: &Principal, action: ReportAction, f: &ReportFacts<'_>) -> ApiResult<()> {
    use ReportAction::*;
    let r = f.report;
    let committee = is_committee_of(p, r.community_id);
    let office = office_over(p, &f.community_path);
    let head = is_head_of(p, r);
    let assignee = is_assignee(p, r);
    let reporter = p.account_id() == Some(r.reporter_account_id);
    let allowed = action.allowed(p)
        && match action {
            Accept => committee || office || head,
            Reject | Assign => committee || office,
            Start | Resolve | Return | Expect => assignee,
            Confirm | Reopen | Rate => reporter,
            Mediate | RecordMediation => committee && r.category_code == DISPUTE,
            Note => committee || office || head || assignee,
            Escalate => committee || head,
        };
    if allowed { Ok(()) } else { Err(crate::policy::refusal_on(p, action.words(), t!("reports.this_report"))) }
}

/// The condition of [`visible_reports`].
pub fn reports_condition(p: &Principal) -> Condition {
    use report::Column as R;
    if !is_person(p) {
        return Condition::all().add(never());
    }
    let mine = |me: i32| Condition::any().add(R::ReporterAccountId.eq(me)).add(R::FiledByAccountId.eq(me));
    match (p.role, p.account_id()) {
        (Role::PlatformAdmin, _) => Condition::all(),
        (Role::CommunityCommittee | Role::GovernmentOffice, _) => communities_filter(p, R::CommunityId),
        // Its region's reports but the disputes between neighbours, which
        // stay with the parties, the committee that mediates and the office.
        (Role::PartyOrganisation, _) => {
            Condition::all().add(communities_filter(p, R::CommunityId)).add(R::CategoryCode.ne(DISPUTE))
        }
        (Role::Resident | Role::BuildingHead, Some(me)) => {
            let public = Condition::all()
                .add(communities_filter(p, R::CommunityId))
                .add(R::IsPublic.eq(true))
                .add(R::CategoryCode.ne(DISPUTE));
            let mut c = Condition::any().add(mine(me)).add(public).add(R::Id.in_subquery(disputes_of(me)));
            if let (Role::BuildingHead, Some(b)) = (p.role, p.scope.building_id) {
                c = c.add(Condition::all().add(communities_filter(p, R::CommunityId)).add(R::BuildingId.eq(b)));
            }
            c
        }
        (Role::SocialOrganization | Role::PropertyCompany, _) => match p.scope.organisation_id {
            Some(o) => Condition::all().add(R::AssignedOrganisationId.eq(o)),
            None => Condition::all().add(never()),
        },
        _ => Condition::all().add(never()),
    }
}

/// Disputes in which the account is a party, in person or through a
/// household it belongs to: a party reads the dispute (not the reporter's
/// identity) and its mediation record.
fn disputes_of(me: i32) -> sea_orm::sea_query::SelectStatement {
    use entity::{dispute_party, membership};
    use sea_orm::sea_query::Query;
    let households = Query::select()
        .column(membership::Column::HouseholdId)
        .from(membership::Entity)
        .and_where(membership::Column::AccountId.eq(me))
        .and_where(membership::Column::HouseholdId.is_not_null())
        .to_owned();
    Query::select()
        .column(dispute_party::Column::ReportId)
        .from(dispute_party::Entity)
        .cond_where(
            Condition::any()
                .add(dispute_party::Column::AccountId.eq(me))
                .add(dispute_party::Column::HouseholdId.in_subquery(households)),
        )
        .to_owned()
}

/// Reports the principal may read (see the module docs).
pub fn visible_reports(p: &Principal) -> Select<report::Entity> {
    report::Entity::find().filter(reports_condition(p))
}

/// May the principal see who reported (a report it can see)? The reporter
/// and filer, the committee, the office, platform admins, the building head
/// of the report's building, and the assigned organisation unless the
/// report is anonymous. Not other residents.
pub fn may_see_reporter(p: &Principal, r: &report::Model) -> bool {
    let me = p.account_id();
    if me == Some(r.reporter_account_id) || me == Some(r.filed_by_account_id) {
        return true;
    }
    match p.role {
        Role::PlatformAdmin | Role::CommunityCommittee | Role::GovernmentOffice => is_person(p),
        Role::BuildingHead => is_head_of(p, r),
        Role::SocialOrganization | Role::PropertyCompany => is_assignee(p, r) && !r.is_anonymous,
        // The party organisation reads the overview, not who reported.
        Role::Resident | Role::DistrictSystem | Role::PartyOrganisation | Role::Person => false,
    }
}

/// May the principal see the reporter's contact (real name, phone)? Only
/// where the role needs it: the reporter, the committee, the assigned
/// organisation (unless anonymous), platform admins.
pub fn may_see_contact(p: &Principal, r: &report::Model) -> bool {
    if p.account_id() == Some(r.reporter_account_id) {
        return true;
    }
    match p.role {
        Role::PlatformAdmin | Role::CommunityCommittee => is_person(p),
        Role::SocialOrganization | Role::PropertyCompany => is_assignee(p, r) && !r.is_anonymous,
        _ => false,
    }
}

/// Is the report still being worked on (it can be overdue)?
pub fn is_open(status: ReportStatus) -> bool {
    super::lifecycle::OPEN_STATES.contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    #[test]
    fn report_visibility_renders_per_role() {
        for role in ALL_ROLES {
            let w = sql(visible_reports(&principal(role)));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&w)),
                Role::CommunityCommittee => assert_eq!(w, r#""reports"."community_id" = 4"#),
                Role::GovernmentOffice => assert!(w.contains("LIKE '/1/2/%'"), "{w}"),
                Role::Resident => {
                    assert!(w.contains(r#""reporter_account_id" = 7"#) && w.contains(r#""is_public" = TRUE"#), "{w}");
                    assert!(w.contains(r#""category_code" <> 'DISPUTE'"#) && !w.contains("building_id"), "{w}");
                }
                Role::BuildingHead => assert!(w.contains(r#""building_id" = 1"#), "{w}"),
                Role::SocialOrganization | Role::PropertyCompany => {
                    assert_eq!(w, r#""reports"."assigned_organisation_id" = 2"#)
                }
                Role::PartyOrganisation => {
                    assert!(w.contains("LIKE '/1/2/4/%'") && w.contains(r#""category_code" <> 'DISPUTE'"#), "{w}")
                }
                Role::DistrictSystem | Role::Person => assert!(w.contains("1 = 0"), "{w}"),
            }
        }
    }
}
