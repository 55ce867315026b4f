//! Special funds and participatory budgets through `/graphql`: fixtures
//! here, tests by topic in the modules. After every test that moves money,
//! [`assert_ledger_agrees`] recomputes all balances from the ledger.

use entity::enums::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::projects::{Actors, create_draft, organisation_id, step_ok, vote};

mod cost;
mod ledger;
mod race;
mod rounds;
mod scope;

/// A project brought to APPROVED through the real lifecycle.
pub(crate) async fn approved_project(app: &TestApp, a: &Actors, title: &str) -> Value {
    let id = create_draft(app, a.t("demo-resident"), title).await;
    step_ok(app, a.t("demo-resident"), "submitProject", &id, "PROPOSED").await;
    step_ok(app, a.t("demo-committee"), "startDeliberation", &id, "DELIBERATING").await;
    let r = crate::projects::open_voting(app, a.t("demo-committee"), &id).await;
    assert_eq!(r["data"]["openVoting"]["project"]["status"], "VOTING", "{r}");
    vote(app, a.t("demo-resident"), &id, "YES").await;
    vote(app, a.t("demo-building-head"), &id, "YES").await;
    step_ok(app, a.t("demo-committee"), "closeVoting", &id, "VOTING").await;
    step_ok(app, a.t("demo-office"), "approveProject", &id, "APPROVED").await;
    id
}

/// The office adds a demo organisation to a project.
pub(crate) async fn add_participant(app: &TestApp, a: &Actors, project: &Value, org: &str, role: &str) {
    let org = organisation_id(app, a.t("demo-admin"), org).await;
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "mutation($p: ID!, $o: ID!, $r: ParticipationRole!) { addProjectParticipant(input: {projectId: $p,
                organisationId: $o, role: $r}) { project { id } } }",
            json!({ "p": project, "o": org, "r": role }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
}

pub(crate) const NGO: &str = "阳光社工服务中心";
pub(crate) const PROPERTY: &str = "安居物业";

/// Database id of an organisation, by name.
pub(crate) async fn org_id(app: &TestApp, name: &str) -> i32 {
    entity::organisation::Entity::find()
        .filter(entity::organisation::Column::Name.eq(name))
        .one(&app.db.read)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no organisation {name}"))
        .id
}

/// Global id of a seeded region.
pub(crate) async fn region(app: &TestApp, name: &str) -> String {
    api::graphql::ids::encode("Region", app.region_id(name).await).0
}

/// The demo office creates a fund for East Lake street.
pub(crate) async fn create_fund(app: &TestApp, a: &Actors, total: &str) -> Value {
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "mutation($r: ID!, $t: Money!) { createFund(input: {regionId: $r, fiscalYear: 2026,
                name: \"2026年东湖街道社区治理专项资金\", purpose: \"支持居民议事通过的微项目\", total: $t})
                { fund { id status total allocated remaining viewerCanManage } } }",
            json!({ "r": region(app, "东湖街道").await, "t": total }),
        )
        .await;
    let f = &r["data"]["createFund"]["fund"];
    assert_eq!(f["total"], total, "{r}");
    assert_eq!(f["remaining"], total, "{r}");
    assert_eq!(f["viewerCanManage"], true, "{r}");
    f["id"].clone()
}

pub(crate) const ALLOCATE: &str = "mutation($f: ID!, $p: ID!, $a: Money!) { allocateFunds(input: {fundId: $f,
    projectId: $p, amount: $a}) { allocation { id amount pending spent remaining } } }";

pub(crate) async fn allocate(app: &TestApp, token: &str, fund: &Value, project: &Value, amount: &str) -> Value {
    app.gql(Some(token), ALLOCATE, json!({ "f": fund, "p": project, "a": amount })).await
}

pub(crate) const RECORD: &str = "mutation($a: ID!, $m: Money!, $n: String!, $t: PayeeType!) {
    recordExpenditure(input: {allocationId: $a, amount: $m, spentOn: \"2026-11-20\", payeeName: $n, payeeType: $t,
    description: \"扶手材料与安装\", receiptRef: \"FP-2026-0042\"}) { expenditure { id amount status } } }";

pub(crate) async fn record(app: &TestApp, token: &str, allocation: &Value, amount: &str) -> Value {
    app.gql(Some(token), RECORD, json!({ "a": allocation, "m": amount, "n": "王师傅", "t": "PERSON" })).await
}

pub(crate) async fn decide(app: &TestApp, token: &str, mutation: &str, x: &Value, reason: Option<&str>) -> Value {
    let q = format!(
        "mutation($x: ID!, $r: String) {{ {mutation}(input: {{expenditureId: $x, reason: $r}}) {{ expenditure {{ id status decisionReason }} }} }}"
    );
    app.gql(Some(token), &q, json!({ "x": x, "r": reason })).await
}

pub(crate) const FUND: &str = "id status total allocated reserved pending spent remaining";

pub(crate) async fn read_fund(app: &TestApp, token: &str, fund: &Value) -> Value {
    let q = format!("query($f: ID!) {{ fund(id: $f) {{ {FUND} }} }}");
    app.gql(Some(token), &q, json!({ "f": fund })).await
}

/// An extra person in a role, with an access token minted for them.
pub(crate) async fn person(
    app: &TestApp,
    username: &str,
    role: Role,
    scope: api::accounts::service::ScopeInput,
) -> String {
    use api::accounts::service as accounts;
    let sys = api::auth::Principal::system();
    let account = accounts::create_account(
        &app.db,
        &sys,
        accounts::NewAccount {
            username: username.into(),
            display_name: username.into(),
            real_name: None,
            phone: None,
            password: "a-long-password".into(),
        },
    )
    .await
    .expect("account");
    membership_token(app, account.id, role, scope).await
}

/// Another membership for an existing account, and its token.
pub(crate) async fn membership_token(
    app: &TestApp,
    account_id: i32,
    role: Role,
    scope: api::accounts::service::ScopeInput,
) -> String {
    let sys = api::auth::Principal::system();
    let m = api::accounts::service::add_membership(&app.db, &sys, account_id, role, scope).await.expect("membership");
    let p = api::auth::service::principal_for_membership(&app.db.read, &m).await.expect("principal");
    app.state.keys.issue(&p).expect("token").0
}

/// Every balance recomputed from the ledger agrees with the stored one; the
/// last entry of each fund and allocation shows the balances now; and the
/// expenditures add up to the allocations' pending and spent sums.
pub(crate) async fn assert_ledger_agrees(app: &TestApp) {
    use entity::enums::ExpenditureStatus;
    use entity::{fund, fund_allocation, fund_expenditure, fund_ledger};
    let db = &app.db.read;
    let ledger = fund_ledger::Entity::find().order_by_asc(fund_ledger::Column::Id).all(db).await.unwrap();
    for f in fund::Entity::find().all(db).await.unwrap() {
        let rows: Vec<_> = ledger.iter().filter(|l| l.fund_id == f.id).collect();
        let sum = |g: fn(&fund_ledger::Model) -> i64| rows.iter().map(|l| g(l)).sum::<i64>();
        assert_eq!(sum(|l| l.allocated_delta), f.allocated_fen, "fund {} allocated", f.id);
        assert_eq!(sum(|l| l.reserved_delta), f.reserved_fen, "fund {} reserved", f.id);
        assert_eq!(sum(|l| l.pending_delta), f.pending_fen, "fund {} pending", f.id);
        assert_eq!(sum(|l| l.spent_delta), f.spent_fen, "fund {} spent", f.id);
        if let Some(last) = rows.last() {
            assert_eq!(
                (last.fund_allocated_after, last.fund_reserved_after, last.fund_pending_after, last.fund_spent_after),
                (f.allocated_fen, f.reserved_fen, f.pending_fen, f.spent_fen)
            );
        }
        assert!(f.allocated_fen + f.reserved_fen <= f.total_fen, "fund {} overspent", f.id);
    }
    for a in fund_allocation::Entity::find().all(db).await.unwrap() {
        let rows: Vec<_> = ledger.iter().filter(|l| l.allocation_id == Some(a.id)).collect();
        let sum = |g: fn(&fund_ledger::Model) -> i64| rows.iter().map(|l| g(l)).sum::<i64>();
        assert_eq!(sum(|l| l.allocated_delta), a.amount_fen, "allocation {} amount", a.id);
        assert_eq!(sum(|l| l.pending_delta), a.pending_fen, "allocation {} pending", a.id);
        assert_eq!(sum(|l| l.spent_delta), a.spent_fen, "allocation {} spent", a.id);
        if let Some(last) = rows.last() {
            assert_eq!(
                (last.allocation_amount_after, last.allocation_pending_after, last.allocation_spent_after),
                (Some(a.amount_fen), Some(a.pending_fen), Some(a.spent_fen))
            );
        }
        let xs = fund_expenditure::Entity::find()
            .filter(fund_expenditure::Column::AllocationId.eq(a.id))
            .all(db)
            .await
            .unwrap();
        let of = |s: ExpenditureStatus| xs.iter().filter(|x| x.status == s).map(|x| x.amount_fen).sum::<i64>();
        assert_eq!(of(ExpenditureStatus::Pending), a.pending_fen, "allocation {} pending rows", a.id);
        assert_eq!(of(ExpenditureStatus::Approved), a.spent_fen, "allocation {} approved rows", a.id);
        assert!(a.pending_fen + a.spent_fen <= a.amount_fen, "allocation {} overspent", a.id);
    }
}

/// The fund as the API shows it equals the stored row.
pub(crate) async fn assert_api_agrees(app: &TestApp, a: &Actors, fund: &Value) {
    let r = read_fund(app, a.t("demo-office"), fund).await;
    let f = &r["data"]["fund"];
    let id = api::graphql::ids::decode(&async_graphql::ID(fund.as_str().unwrap().into())).unwrap().1;
    let row = entity::fund::Entity::find_by_id(id).one(&app.db.read).await.unwrap().unwrap();
    assert_eq!(f["allocated"], row.allocated_fen.to_string(), "{r}");
    assert_eq!(f["reserved"], row.reserved_fen.to_string(), "{r}");
    assert_eq!(f["pending"], row.pending_fen.to_string(), "{r}");
    assert_eq!(f["spent"], row.spent_fen.to_string(), "{r}");
    assert_eq!(f["remaining"], (row.total_fen - row.allocated_fen - row.reserved_fen).to_string(), "{r}");
}
