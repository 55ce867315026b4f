//! Governance indicators through `/graphql`: a hand-computed fixture here,
//! tests by topic in the modules (the figures, privacy and scope,
//! revisions).
//!
//! The fixture lives in 2025 (closed months, before any seeded data) and
//! is written straight into the database, because every write through the
//! API is stamped with the current time. All times are UTC; the months are
//! Asia/Shanghai's (UTC+8), so March 2025 runs from 2025-02-28T16:00Z to
//! 2025-03-31T16:00Z.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    ExpenditureStatus, FundStatus, MediationResult, PayeeType, ProjectCategory, ProjectStatus, ReportStatus, Role,
    ServiceRequestStatus, VoteChoice,
};
use entity::{
    account, delivery_record, evaluation, fund, fund_allocation, fund_expenditure, membership, project,
    project_comment, project_transition, report, report_category, service, service_request, vote,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, QueryFilter, Set};
use serde_json::{Value, json};

use crate::common::TestApp;

mod disclosure;
mod figures;
mod grace;
mod privacy;
mod revisions;

pub(crate) const SERIES: &str = "query($r: ID!, $from: Month!, $to: Month!, $n: [IndicatorName!]) {
    indicators(regionId: $r, from: $from, to: $to, names: $n) {
        name unit region { name }
        points { month value numerator denominator count suppressed revision isFinal
                 earlierRevisions { revision value numerator denominator count suppressed } } } }";

pub(crate) fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The fixture's ids.
pub(crate) struct Fixture {
    pub peach: i32,
    pub willow: i32,
    pub river: i32,
    pub east: i32,
    pub west: i32,
    pub district: i32,
    pub service_id: i32,
    pub organisation_id: i32,
}

pub(crate) fn gid(id: i32) -> String {
    api::graphql::ids::encode("Region", id).0
}

async fn resident(app: &TestApp, name: &str, community: i32) -> i32 {
    member(app, name, community, Role::Resident).await
}

/// An account registered on 1 January 2025 in `community` as `role`.
async fn member(app: &TestApp, name: &str, community: i32, role: Role) -> i32 {
    let a = account::ActiveModel {
        id: NotSet,
        username: Set(format!("fixture-{name}")),
        display_name: Set(name.into()),
        real_name: Set(Some(format!("{name}真名"))),
        phone: Set(Some(format!("1390000{:04}", name.len() * 97 % 10_000))),
        password_hash: Set("not-a-hash".into()),
        disabled: Set(false),
        created_at: Set(at("2025-01-01T00:00:00Z")),
        must_change_password: Set(false),
        disabled_reason: Set(None),
        privacy_notice_version: Set(None),
        privacy_accepted_at: Set(None),
        erased_at: Set(None),
        legal_hold_reason: Set(None),
        legal_hold_at: Set(None),
        phone_shared_with_building_head: Set(false),
    }
    .insert(&app.db.write)
    .await
    .expect("account");
    membership::ActiveModel {
        id: NotSet,
        account_id: Set(a.id),
        role: Set(role),
        region_id: Set(Some(community)),
        building_id: Set(None),
        organisation_id: Set(None),
        household_id: Set(None),
        created_at: Set(at("2025-01-01T00:00:00Z")),
    }
    .insert(&app.db.write)
    .await
    .expect("membership");
    a.id
}

struct Filed<'a> {
    community: i32,
    reporter: i32,
    created: &'a str,
    due: &'a str,
    resolved: Option<&'a str>,
    rating: Option<(i32, &'a str)>,
}

async fn report(app: &TestApp, category: &report_category::Model, r: Filed<'_>) -> i32 {
    report::ActiveModel {
        id: NotSet,
        community_id: Set(r.community),
        building_id: Set(None),
        category_id: Set(category.id),
        category_code: Set(category.code.clone()),
        reporter_account_id: Set(r.reporter),
        filed_by_account_id: Set(r.reporter),
        description: Set("楼道灯坏了".into()),
        location_text: Set(None),
        latitude: Set(None),
        longitude: Set(None),
        is_public: Set(false),
        is_anonymous: Set(false),
        status: Set(if r.resolved.is_some() { ReportStatus::Resolved } else { ReportStatus::Accepted }),
        assigned_organisation_id: Set(None),
        due_at: Set(at(r.due)),
        first_response_at: Set(None),
        resolved_at: Set(r.resolved.map(at)),
        closed_at: Set(None),
        escalated_at: Set(None),
        resolution_note: Set(None),
        mediation_outcome: Set(None),
        rating: Set(r.rating.map(|x| x.0)),
        rating_comment: Set(None),
        rated_at: Set(r.rating.map(|x| at(x.1))),
        created_at: Set(at(r.created)),
        updated_at: Set(at(r.created)),
        ..Default::default()
    }
    .insert(&app.db.write)
    .await
    .expect("report")
    .id
}

/// Make report `id` a dispute the committee mediated with `result`.
async fn mediated(app: &TestApp, id: i32, result: MediationResult) {
    report::Entity::update_many()
        .set(report::ActiveModel {
            category_code: Set("DISPUTE".into()),
            status: Set(ReportStatus::Mediated),
            mediation_result: Set(Some(result)),
            mediation_outcome: Set(Some("调解记录".into())),
            ..Default::default()
        })
        .filter(report::Column::Id.eq(id))
        .exec(&app.db.write)
        .await
        .expect("mediated");
}

async fn project(
    app: &TestApp,
    community: i32,
    proposer: i32,
    status: ProjectStatus,
    moves: &[(ProjectStatus, &str)],
) -> i32 {
    let p = project::ActiveModel {
        id: NotSet,
        community_id: Set(community),
        title: Set("加装电梯".into()),
        description: Set("三号楼加装电梯".into()),
        category: Set(ProjectCategory::Environment),
        status: Set(status),
        proposer_account_id: Set(proposer),
        budget_fen: Set(100_000),
        planned_start: Set(None),
        planned_end: Set(None),
        building_id: Set(None),
        location_text: Set(None),
        voting_opened_at: Set(None),
        voting_closes_at: Set(None),
        voting_closed_at: Set(None),
        voting_live_tally: Set(None),
        tally_yes: Set(None),
        tally_no: Set(None),
        tally_abstain: Set(None),
        tally_eligible: Set(None),
        outcome: Set(None),
        created_at: Set(at("2024-12-01T00:00:00Z")),
        updated_at: Set(at("2024-12-01T00:00:00Z")),
    }
    .insert(&app.db.write)
    .await
    .expect("project");
    for (to, when) in moves {
        project_transition::ActiveModel {
            id: NotSet,
            project_id: Set(p.id),
            from_status: Set(None),
            to_status: Set(*to),
            account_id: Set(Some(proposer)),
            role: Set(Role::CommunityCommittee),
            reason: Set(None),
            at: Set(at(when)),
            organisation_id: Set(None),
            endorsed: Set(false),
        }
        .insert(&app.db.write)
        .await
        .expect("transition");
    }
    p.id
}

async fn delivery(app: &TestApp, f: &Fixture, community: i32, n: usize, day: &str, minutes: i32, people: i32) {
    delivery_record::ActiveModel {
        id: NotSet,
        organisation_id: Set(f.organisation_id),
        service_id: Set(f.service_id),
        community_id: Set(community),
        external_id: Set(format!("fixture-{n}")),
        delivered_on: Set(day.parse::<NaiveDate>().expect("day")),
        duration_minutes: Set(minutes),
        beneficiaries: Set(people),
        resident_account_id: Set(None),
        notes: Set(None),
        content_hash: Set(format!("h{n}")),
        created_at: Set(at("2025-04-10T00:00:00Z")),
        updated_at: Set(at("2025-04-10T00:00:00Z")),
    }
    .insert(&app.db.write)
    .await
    .expect("delivery record");
}

/// Writes the fixture (see the module comment and each test for the
/// figures it makes).
pub(crate) async fn fixture(app: &TestApp) -> Fixture {
    let svc = service::Entity::find().one(&app.db.write).await.unwrap().expect("the seeded service");
    let f = Fixture {
        peach: app.region_id("桃园社区").await,
        willow: app.region_id("柳巷社区").await,
        river: app.region_id("河湾社区").await,
        east: app.region_id("东湖街道").await,
        west: app.region_id("西山街道").await,
        district: app.region_id("和平区").await,
        service_id: svc.id,
        organisation_id: svc.organisation_id,
    };
    let (peach, willow, river) = (f.peach, f.willow, f.river);
    // Residents registered on 1 January: Peach 6 and a building head (an
    // eligible voter like them), Willow 3, River 2.
    let mut p = Vec::new();
    for i in 1..=6 {
        p.push(resident(app, &format!("桃{i}"), peach).await);
    }
    let head = member(app, "桃楼长", peach, Role::BuildingHead).await;
    let mut w = Vec::new();
    for i in 1..=3 {
        w.push(resident(app, &format!("柳{i}"), willow).await);
    }
    let r1 = resident(app, "河1", river).await;
    resident(app, "河2", river).await;

    let category = report_category::Entity::find().one(&app.db.write).await.unwrap().expect("a category");
    let c = &category;
    // Peach. A: resolved after 10 h, rated 5.
    report(
        app,
        c,
        Filed {
            community: peach,
            reporter: p[0],
            created: "2025-03-02T02:00:00Z",
            due: "2025-03-05T02:00:00Z",
            resolved: Some("2025-03-02T12:00:00Z"),
            rating: Some((5, "2025-03-03T00:00:00Z")),
        },
    )
    .await;
    // B: resolved after 48 h, a day past its due time (overdue), rated 2.
    report(
        app,
        c,
        Filed {
            community: peach,
            reporter: p[1],
            created: "2025-03-10T00:00:00Z",
            due: "2025-03-11T00:00:00Z",
            resolved: Some("2025-03-12T00:00:00Z"),
            rating: Some((2, "2025-03-13T00:00:00Z")),
        },
    )
    .await;
    // C: never resolved, due on the 25th (overdue).
    report(
        app,
        c,
        Filed {
            community: peach,
            reporter: p[2],
            created: "2025-03-20T00:00:00Z",
            due: "2025-03-25T00:00:00Z",
            resolved: None,
            rating: None,
        },
    )
    .await;
    // D: 23:30 UTC on 31 March is 07:30 on 1 April in Shanghai: April's.
    // A dispute mediated to an agreement after 2 h (resolved), rated 4 in April.
    let d = report(
        app,
        c,
        Filed {
            community: peach,
            reporter: p[3],
            created: "2025-03-31T23:30:00Z",
            due: "2025-04-05T00:00:00Z",
            resolved: Some("2025-04-01T01:30:00Z"),
            rating: Some((4, "2025-04-02T00:00:00Z")),
        },
    )
    .await;
    mediated(app, d, MediationResult::Agreement).await;
    // D2: another April dispute whose mediation failed: filed, not resolved
    // (and not due before May, so not overdue).
    let d2 = report(
        app,
        c,
        Filed {
            community: peach,
            reporter: p[3],
            created: "2025-04-03T00:00:00Z",
            due: "2025-05-03T00:00:00Z",
            resolved: None,
            rating: None,
        },
    )
    .await;
    mediated(app, d2, MediationResult::Failed).await;
    // E: filed in March, resolved in April after 120 h (not by March's end,
    // and not overdue: due in April).
    report(
        app,
        c,
        Filed {
            community: peach,
            reporter: p[0],
            created: "2025-03-28T00:00:00Z",
            due: "2025-04-10T00:00:00Z",
            resolved: Some("2025-04-02T00:00:00Z"),
            rating: None,
        },
    )
    .await;
    // Willow. F: resolved after 4 h, rated 4.
    report(
        app,
        c,
        Filed {
            community: willow,
            reporter: w[0],
            created: "2025-03-05T00:00:00Z",
            due: "2025-03-06T00:00:00Z",
            resolved: Some("2025-03-05T04:00:00Z"),
            rating: Some((4, "2025-03-06T00:00:00Z")),
        },
    )
    .await;
    // River. G: resolved after 20 h, rated 3.
    report(
        app,
        c,
        Filed {
            community: river,
            reporter: r1,
            created: "2025-03-15T00:00:00Z",
            due: "2025-03-16T00:00:00Z",
            resolved: Some("2025-03-15T20:00:00Z"),
            rating: Some((3, "2025-03-16T00:00:00Z")),
        },
    )
    .await;

    // Projects: Peach's proposed (1 March, Shanghai) and approved in March;
    // Willow's completed and evaluated in March.
    let peach_project = project(
        app,
        peach,
        p[0],
        ProjectStatus::Approved,
        &[(ProjectStatus::Proposed, "2025-03-01T00:00:00Z"), (ProjectStatus::Approved, "2025-03-20T00:00:00Z")],
    )
    .await;
    let willow_project = project(
        app,
        willow,
        w[2],
        ProjectStatus::Evaluated,
        &[
            (ProjectStatus::Proposed, "2024-12-01T00:00:00Z"),
            (ProjectStatus::Completed, "2025-03-10T00:00:00Z"),
            (ProjectStatus::Evaluated, "2025-03-25T00:00:00Z"),
        ],
    )
    .await;
    // p6 and the building head vote in March; p4 comments in February.
    for voter in [p[5], head] {
        vote::ActiveModel {
            id: NotSet,
            project_id: Set(peach_project),
            account_id: Set(voter),
            choice: Set(VoteChoice::Yes),
            cast_at: Set(at("2025-03-12T00:00:00Z")),
            updated_at: Set(at("2025-03-12T00:00:00Z")),
        }
        .insert(&app.db.write)
        .await
        .unwrap();
    }
    project_comment::ActiveModel {
        id: NotSet,
        project_id: Set(peach_project),
        author_account_id: Set(p[3]),
        body: Set("支持".into()),
        created_at: Set(at("2025-02-20T00:00:00Z")),
        edited_at: Set(None),
        removed_at: Set(None),
        removed_reason: Set(None),
        removed_by_account_id: Set(None),
    }
    .insert(&app.db.write)
    .await
    .unwrap();
    // w2 evaluates Willow's project with 4 stars.
    evaluation::ActiveModel {
        id: NotSet,
        project_id: Set(willow_project),
        account_id: Set(w[1]),
        rating: Set(4),
        comment: Set(None),
        created_at: Set(at("2025-03-18T00:00:00Z")),
        updated_at: Set(at("2025-03-18T00:00:00Z")),
    }
    .insert(&app.db.write)
    .await
    .unwrap();
    // p5 rates a service request 5 stars.
    service_request::ActiveModel {
        id: NotSet,
        service_id: Set(f.service_id),
        community_id: Set(peach),
        resident_account_id: Set(p[4]),
        requested_by_account_id: Set(p[4]),
        status: Set(ServiceRequestStatus::Completed),
        session_id: Set(None),
        note: Set(None),
        decline_reason: Set(None),
        rating: Set(Some(5)),
        rating_comment: Set(None),
        rated_at: Set(Some(at("2025-03-08T00:00:00Z"))),
        completed_at: Set(Some(at("2025-03-07T00:00:00Z"))),
        created_at: Set(at("2025-03-01T00:00:00Z")),
        updated_at: Set(at("2025-03-08T00:00:00Z")),
    }
    .insert(&app.db.write)
    .await
    .unwrap();

    // A 2025 fund: 1,000.00 yuan to Peach's project on 10 February; 300.00
    // approved in March, 100.00 approved in April, 200.00 still pending.
    let fund = fund::ActiveModel {
        id: NotSet,
        organisation_id: Set(f.organisation_id),
        region_id: Set(f.district),
        fiscal_year: Set(2025),
        name: Set("2025 社区微更新".into()),
        purpose: Set("微更新".into()),
        total_fen: Set(1_000_000),
        status: Set(FundStatus::Open),
        allocated_fen: Set(100_000),
        reserved_fen: Set(0),
        pending_fen: Set(20_000),
        spent_fen: Set(40_000),
        created_at: Set(at("2025-01-05T00:00:00Z")),
        updated_at: Set(at("2025-04-02T00:00:00Z")),
    }
    .insert(&app.db.write)
    .await
    .expect("fund");
    let allocation = fund_allocation::ActiveModel {
        id: NotSet,
        fund_id: Set(fund.id),
        project_id: Set(peach_project),
        community_id: Set(peach),
        amount_fen: Set(100_000),
        pending_fen: Set(20_000),
        spent_fen: Set(40_000),
        round_id: Set(None),
        created_at: Set(at("2025-02-10T00:00:00Z")),
        updated_at: Set(at("2025-04-02T00:00:00Z")),
    }
    .insert(&app.db.write)
    .await
    .expect("allocation");
    for (amount, status, decided) in [
        (30_000, ExpenditureStatus::Approved, Some("2025-03-05T00:00:00Z")),
        (10_000, ExpenditureStatus::Approved, Some("2025-04-02T00:00:00Z")),
        (20_000, ExpenditureStatus::Pending, None),
    ] {
        fund_expenditure::ActiveModel {
            id: NotSet,
            allocation_id: Set(allocation.id),
            fund_id: Set(fund.id),
            project_id: Set(peach_project),
            community_id: Set(peach),
            amount_fen: Set(amount),
            spent_on: Set("2025-03-01".parse().unwrap()),
            payee_name: Set("某某建材".into()),
            payee_type: Set(PayeeType::Business),
            description: Set("材料".into()),
            receipt_ref: Set(None),
            status: Set(status),
            decision_reason: Set(None),
            recorded_by_account_id: Set(p[0]),
            recorded_by_organisation_id: Set(f.organisation_id),
            decided_by_account_id: Set(None),
            decided_at: Set(decided.map(at)),
            created_at: Set(at("2025-03-01T00:00:00Z")),
        }
        .insert(&app.db.write)
        .await
        .expect("expenditure");
    }

    // Deliveries (local days): Peach 3 March (90 min, 2 people) and
    // 31 March (30 min, 1), 1 April (60 min, 1); Willow 15 March (120 min, 3).
    delivery(app, &f, peach, 1, "2025-03-03", 90, 2).await;
    delivery(app, &f, peach, 2, "2025-03-31", 30, 1).await;
    delivery(app, &f, peach, 3, "2025-04-01", 60, 1).await;
    delivery(app, &f, willow, 4, "2025-03-15", 120, 3).await;
    f
}

/// The points of one indicator, by month.
pub(crate) fn points<'a>(r: &'a Value, name: &str) -> &'a Vec<Value> {
    r["data"]["indicators"]
        .as_array()
        .unwrap_or_else(|| panic!("no indicators: {r}"))
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {r}"))["points"]
        .as_array()
        .unwrap()
}

/// One month's point of one indicator.
pub(crate) fn point<'a>(r: &'a Value, name: &str, month: &str) -> &'a Value {
    points(r, name).iter().find(|p| p["month"] == month).unwrap_or_else(|| panic!("no {month} of {name}: {r}"))
}

/// Pull `from`..`to` of `region` as `token`.
pub(crate) async fn pull(app: &TestApp, token: &str, region: i32, from: &str, to: &str) -> Value {
    app.gql(Some(token), SERIES, json!({ "r": gid(region), "from": from, "to": to })).await
}
