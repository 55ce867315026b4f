//! Enumerations stored as short strings, so that the database stays readable
//! and portable between SQLite and PostgreSQL.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Level of a region in the administrative tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RegionKind {
    #[sea_orm(string_value = "DISTRICT")]
    District,
    #[sea_orm(string_value = "STREET")]
    Street,
    #[sea_orm(string_value = "COMMUNITY")]
    Community,
}

/// What an organisation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrganisationKind {
    #[sea_orm(string_value = "GOVERNMENT_OFFICE")]
    GovernmentOffice,
    #[sea_orm(string_value = "COMMUNITY_COMMITTEE")]
    CommunityCommittee,
    #[sea_orm(string_value = "SOCIAL_ORGANIZATION")]
    SocialOrganization,
    #[sea_orm(string_value = "PROPERTY_COMPANY")]
    PropertyCompany,
    #[sea_orm(string_value = "MEDIATION_COMMITTEE")]
    MediationCommittee,
    /// A community or street party organisation (社区党组织).
    #[sea_orm(string_value = "PARTY_ORGANISATION")]
    PartyOrganisation,
}

/// The role a principal acts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    #[sea_orm(string_value = "RESIDENT")]
    Resident,
    #[sea_orm(string_value = "BUILDING_HEAD")]
    BuildingHead,
    #[sea_orm(string_value = "COMMUNITY_COMMITTEE")]
    CommunityCommittee,
    #[sea_orm(string_value = "GOVERNMENT_OFFICE")]
    GovernmentOffice,
    #[sea_orm(string_value = "SOCIAL_ORGANIZATION")]
    SocialOrganization,
    #[sea_orm(string_value = "PROPERTY_COMPANY")]
    PropertyCompany,
    #[sea_orm(string_value = "DISTRICT_SYSTEM")]
    DistrictSystem,
    #[sea_orm(string_value = "PLATFORM_ADMIN")]
    PlatformAdmin,
    /// The community party organisation (社区党组织: the branch and its
    /// secretary), over a community or a street: convenes the council,
    /// publishes activities and surveys, endorses projects, keeps the
    /// voluntary register of party members (党员报到).
    #[sea_orm(string_value = "PARTY_ORGANISATION")]
    PartyOrganisation,
    /// An account acting for itself in no community role: signed up and
    /// not yet verified, or moved out. Held through a membership without
    /// scope, created at sign-up or at the first login without another.
    #[sea_orm(string_value = "PERSON")]
    Person,
}

/// Where a request to join a community stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JoinRequestStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}

/// Why a household needs extra care (sensitive personal information).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Vulnerability {
    #[sea_orm(string_value = "ELDERLY_ALONE")]
    ElderlyAlone,
    #[sea_orm(string_value = "DISABILITY")]
    Disability,
    #[sea_orm(string_value = "CHRONIC_ILLNESS")]
    ChronicIllness,
    #[sea_orm(string_value = "LEFT_BEHIND_CHILD")]
    LeftBehindChild,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Topic of a shared project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProjectCategory {
    #[sea_orm(string_value = "ENVIRONMENT")]
    Environment,
    #[sea_orm(string_value = "ELDERLY_CARE")]
    ElderlyCare,
    #[sea_orm(string_value = "SAFETY")]
    Safety,
    #[sea_orm(string_value = "CULTURE")]
    Culture,
    #[sea_orm(string_value = "FACILITIES")]
    Facilities,
    #[sea_orm(string_value = "CHILDREN")]
    Children,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Lifecycle state of a shared project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProjectStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "PROPOSED")]
    Proposed,
    #[sea_orm(string_value = "DELIBERATING")]
    Deliberating,
    #[sea_orm(string_value = "VOTING")]
    Voting,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "EVALUATED")]
    Evaluated,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// How an organisation takes part in a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ParticipationRole {
    #[sea_orm(string_value = "LEAD")]
    Lead,
    #[sea_orm(string_value = "FUNDER")]
    Funder,
    #[sea_orm(string_value = "IMPLEMENTER")]
    Implementer,
    #[sea_orm(string_value = "SUPERVISOR")]
    Supervisor,
}

/// A ballot choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VoteChoice {
    #[sea_orm(string_value = "YES")]
    Yes,
    #[sea_orm(string_value = "NO")]
    No,
    #[sea_orm(string_value = "ABSTAIN")]
    Abstain,
}

/// Result of a closed vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VoteOutcome {
    #[sea_orm(string_value = "PASSED")]
    Passed,
    #[sea_orm(string_value = "FAILED_QUORUM")]
    FailedQuorum,
    #[sea_orm(string_value = "FAILED_THRESHOLD")]
    FailedThreshold,
}

/// State of a project task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "DONE")]
    Done,
}

/// State of a fund.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FundStatus {
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "FROZEN")]
    Frozen,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// State of an expenditure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExpenditureStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
}

/// Who was paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PayeeType {
    #[sea_orm(string_value = "PERSON")]
    Person,
    #[sea_orm(string_value = "ORGANISATION")]
    Organisation,
    #[sea_orm(string_value = "BUSINESS")]
    Business,
    #[sea_orm(string_value = "GOVERNMENT")]
    Government,
}

/// What a ledger entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LedgerKind {
    #[sea_orm(string_value = "ALLOCATION_MADE")]
    AllocationMade,
    #[sea_orm(string_value = "ALLOCATION_CHANGED")]
    AllocationChanged,
    #[sea_orm(string_value = "ALLOCATION_WITHDRAWN")]
    AllocationWithdrawn,
    #[sea_orm(string_value = "EXPENDITURE_RECORDED")]
    ExpenditureRecorded,
    #[sea_orm(string_value = "EXPENDITURE_APPROVED")]
    ExpenditureApproved,
    #[sea_orm(string_value = "EXPENDITURE_REJECTED")]
    ExpenditureRejected,
    #[sea_orm(string_value = "ROUND_RESERVED")]
    RoundReserved,
    #[sea_orm(string_value = "ROUND_RELEASED")]
    RoundReleased,
}

/// State of a participatory budget round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RoundStatus {
    #[sea_orm(string_value = "PREPARING")]
    Preparing,
    #[sea_orm(string_value = "VOTING")]
    Voting,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// State of a resident report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportStatus {
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "ASSIGNED")]
    Assigned,
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    #[sea_orm(string_value = "REOPENED")]
    Reopened,
    #[sea_orm(string_value = "MEDIATED")]
    Mediated,
}

/// What a report timeline step records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportEventKind {
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "ASSIGNED")]
    Assigned,
    #[sea_orm(string_value = "REASSIGNED")]
    Reassigned,
    #[sea_orm(string_value = "STARTED")]
    Started,
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    #[sea_orm(string_value = "REOPENED")]
    Reopened,
    #[sea_orm(string_value = "MEDIATED")]
    Mediated,
    #[sea_orm(string_value = "NOTE")]
    Note,
    #[sea_orm(string_value = "ESCALATED")]
    Escalated,
    #[sea_orm(string_value = "RATED")]
    Rated,
    #[sea_orm(string_value = "ESCALATED_TO_COMMITTEE")]
    EscalatedToCommittee,
    #[sea_orm(string_value = "RETURNED")]
    Returned,
    #[sea_orm(string_value = "EXPECTED_COMPLETION_SET")]
    ExpectedCompletionSet,
    #[sea_orm(string_value = "MEDIATION_SESSION")]
    MediationSession,
}

/// State of a council meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MeetingStatus {
    #[sea_orm(string_value = "SCHEDULED")]
    Scheduled,
    #[sea_orm(string_value = "HELD")]
    Held,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// What a council meeting's timeline step records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MeetingEventKind {
    #[sea_orm(string_value = "SCHEDULED")]
    Scheduled,
    #[sea_orm(string_value = "RESCHEDULED")]
    Rescheduled,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    #[sea_orm(string_value = "HELD")]
    Held,
    #[sea_orm(string_value = "MINUTES_REVISED")]
    MinutesRevised,
    #[sea_orm(string_value = "DECIDED")]
    Decided,
}

/// How a dispute's mediation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MediationResult {
    #[sea_orm(string_value = "AGREEMENT")]
    Agreement,
    #[sea_orm(string_value = "PARTIAL")]
    Partial,
    #[sea_orm(string_value = "FAILED")]
    Failed,
    #[sea_orm(string_value = "REFERRED")]
    Referred,
}

/// Where a dispute that mediation did not settle was referred.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReferralTarget {
    #[sea_orm(string_value = "OFFICE")]
    Office,
    #[sea_orm(string_value = "PEOPLES_MEDIATION_COMMITTEE")]
    PeoplesMediationCommittee,
    #[sea_orm(string_value = "COURT")]
    Court,
}

/// What a report photo shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PhotoKind {
    #[sea_orm(string_value = "REPORT")]
    Report,
    #[sea_orm(string_value = "RESOLUTION")]
    Resolution,
}

/// What a notice is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NoticeCategory {
    #[sea_orm(string_value = "GENERAL")]
    General,
    #[sea_orm(string_value = "EVENT")]
    Event,
    #[sea_orm(string_value = "SERVICE")]
    Service,
    #[sea_orm(string_value = "EMERGENCY")]
    Emergency,
}

/// State of a notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NoticeStatus {
    #[sea_orm(string_value = "PUBLISHED")]
    Published,
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// Warning level of an emergency alert (China's four public warning levels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlertLevel {
    #[sea_orm(string_value = "BLUE")]
    Blue,
    #[sea_orm(string_value = "YELLOW")]
    Yellow,
    #[sea_orm(string_value = "ORANGE")]
    Orange,
    #[sea_orm(string_value = "RED")]
    Red,
}

/// A resident's answer to an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlertResponseState {
    #[sea_orm(string_value = "SAFE")]
    Safe,
    #[sea_orm(string_value = "NEED_HELP")]
    NeedHelp,
}

/// What a community service is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceCategory {
    #[sea_orm(string_value = "ELDERLY_CARE")]
    ElderlyCare,
    #[sea_orm(string_value = "EDUCATION")]
    Education,
    #[sea_orm(string_value = "CULTURE")]
    Culture,
    #[sea_orm(string_value = "HEALTH")]
    Health,
    #[sea_orm(string_value = "CHILDREN")]
    Children,
    #[sea_orm(string_value = "DISABILITY")]
    Disability,
    #[sea_orm(string_value = "EMPLOYMENT")]
    Employment,
    #[sea_orm(string_value = "LEGAL")]
    Legal,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// State of a service in the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceStatus {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "PAUSED")]
    Paused,
    #[sea_orm(string_value = "ENDED")]
    Ended,
}

/// State of a service request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceRequestStatus {
    #[sea_orm(string_value = "REQUESTED")]
    Requested,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "SCHEDULED")]
    Scheduled,
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// What happened to an object in the change feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    #[sea_orm(string_value = "CREATED")]
    Created,
    #[sea_orm(string_value = "UPDATED")]
    Updated,
    #[sea_orm(string_value = "DELETED")]
    Deleted,
}

/// Where a webhook delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WebhookDeliveryState {
    /// Waiting for its (next) attempt.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// The receiver answered 2xx.
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    /// Retries ran out, or the endpoint was disabled.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// Where a volunteer activity stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivityStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "FULL")]
    Full,
    #[sea_orm(string_value = "ONGOING")]
    Ongoing,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// Where a person's sign-up for an activity stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SignupStatus {
    /// Holds a place.
    #[sea_orm(string_value = "SIGNED_UP")]
    SignedUp,
    /// On the waiting list, in sign-up order.
    #[sea_orm(string_value = "WAITING")]
    Waiting,
    /// Withdrew (or the activity was cancelled).
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
    /// Attendance confirmed with minutes.
    #[sea_orm(string_value = "ATTENDED")]
    Attended,
}

/// What points are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PointsKind {
    /// Confirmed volunteer hours (a rule: points per hour).
    #[sea_orm(string_value = "VOLUNTEER_HOURS")]
    VolunteerHours,
    /// A report the person filed was resolved and confirmed.
    #[sea_orm(string_value = "REPORT_RESOLVED")]
    ReportResolved,
    /// Attendance at a council meeting.
    #[sea_orm(string_value = "MEETING_ATTENDED")]
    MeetingAttended,
    /// A vote cast on a project.
    #[sea_orm(string_value = "VOTE_CAST")]
    VoteCast,
    /// Points spent in the store (negative).
    #[sea_orm(string_value = "REDEMPTION")]
    Redemption,
    /// Points given back for a cancelled redemption.
    #[sea_orm(string_value = "REFUND")]
    Refund,
}

/// Where a redemption stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RedemptionStatus {
    /// Stock and points reserved; waiting to be handed over.
    #[sea_orm(string_value = "RESERVED")]
    Reserved,
    /// Handed over.
    #[sea_orm(string_value = "FULFILLED")]
    Fulfilled,
    /// Cancelled; points refunded and stock returned.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// Where a survey stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SurveyStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// What kind of answer a question takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QuestionKind {
    #[sea_orm(string_value = "SINGLE_CHOICE")]
    SingleChoice,
    #[sea_orm(string_value = "MULTIPLE_CHOICE")]
    MultipleChoice,
    #[sea_orm(string_value = "RATING")]
    Rating,
    #[sea_orm(string_value = "TEXT")]
    Text,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One casing rule: every enum serialises (in tokens, audit details and
    /// events) exactly as it is stored.
    fn same<E: ActiveEnum<Value = String> + Serialize + sea_orm::Iterable>() {
        for v in E::iter() {
            assert_eq!(serde_json::to_value(&v).ok(), Some(serde_json::Value::String(v.to_value())));
        }
    }

    #[test]
    fn serde_matches_the_stored_strings() {
        same::<RegionKind>();
        same::<WebhookDeliveryState>();
        same::<OrganisationKind>();
        same::<Role>();
        same::<ProjectCategory>();
        same::<ProjectStatus>();
        same::<ParticipationRole>();
        same::<VoteChoice>();
        same::<VoteOutcome>();
        same::<TaskStatus>();
        same::<FundStatus>();
        same::<ExpenditureStatus>();
        same::<PayeeType>();
        same::<LedgerKind>();
        same::<RoundStatus>();
        same::<ReportStatus>();
        same::<ReportEventKind>();
        same::<PhotoKind>();
        same::<MediationResult>();
        same::<MeetingStatus>();
        same::<MeetingEventKind>();
        same::<ReferralTarget>();
        same::<NoticeCategory>();
        same::<NoticeStatus>();
        same::<AlertLevel>();
        same::<AlertResponseState>();
        same::<ServiceCategory>();
        same::<ServiceStatus>();
        same::<ServiceRequestStatus>();
        same::<ChangeKind>();
        same::<ActivityStatus>();
        same::<SignupStatus>();
        same::<PointsKind>();
        same::<RedemptionStatus>();
        same::<SurveyStatus>();
        same::<QuestionKind>();
    }
}
