//! The district generator: a district-sized dataset on PostgreSQL in the
//! demo district 和平区, over the 12 months up to today (Asia/Shanghai), by
//! `INSERT ... SELECT` over `generate_series` (minutes, not hours). Used by
//! `district_bench` (every step) and `standards_bench` (the regions,
//! residents and reports).

use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use sea_orm::ConnectionTrait;

/// How much to generate.
pub struct Sizes {
    pub residents: i64,
    pub reports: i64,
    pub deliveries: i64,
}

/// The generator, one statement per step. `$R`, `$N` and `$D` are the
/// residents, reports and deliveries.
pub const GENERATE: &[(&str, &str)] = &[
    (
        "streets",
        "INSERT INTO regions (parent_id, kind, name, code, path, created_at)
        SELECT d.id, 'STREET', '生成街道' || g, 'GEN' || g, '', '$BEFORE'
        FROM generate_series(1, 10) g, (SELECT id FROM regions WHERE code = '110199') d",
    ),
    (
        "street paths",
        "UPDATE regions r SET path = p.path || r.id || '/' FROM regions p
        WHERE p.id = r.parent_id AND r.code LIKE 'GEN%'",
    ),
    (
        "communities",
        "INSERT INTO regions (parent_id, kind, name, code, path, created_at)
        SELECT s.id, 'COMMUNITY', s.name || '社区' || g, s.code || '-' || g, '', '$BEFORE'
        FROM regions s, generate_series(1, 10) g WHERE s.code LIKE 'GEN%' AND s.kind = 'STREET'",
    ),
    (
        "community paths",
        "UPDATE regions r SET path = p.path || r.id || '/' FROM regions p
        WHERE p.id = r.parent_id AND r.code LIKE 'GEN%-%'",
    ),
    (
        "residents",
        "INSERT INTO accounts (username, display_name, password_hash, disabled, created_at)
        SELECT 'gen-' || g, '居民' || g, 'not-a-hash', false, '$BEFORE' FROM generate_series(1, $R) g",
    ),
    (
        "memberships",
        "WITH c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM regions
                                WHERE kind = 'COMMUNITY' AND code LIKE 'GEN%-%')
        INSERT INTO memberships (account_id, role, region_id, created_at)
        SELECT a.id, 'RESIDENT', c.id, '$BEFORE' FROM accounts a JOIN c ON c.n = a.id % 100
        WHERE a.username LIKE 'gen-%'",
    ),
    (
        "reports",
        "WITH mm AS (SELECT account_id, region_id, row_number() OVER (ORDER BY id) - 1 AS n
                             FROM memberships WHERE role = 'RESIDENT' AND created_at < '$BASE'),
             cat AS (SELECT id, code FROM report_categories WHERE community_id IS NULL ORDER BY id LIMIT 1),
             t AS (SELECT g, timestamptz '$BASE 00:00:00+08' + (g % $DAYS) * interval '1 day'
                                + (g * 7 % 86400) * interval '1 second' AS at FROM generate_series(1, $N) g)
        INSERT INTO reports (community_id, category_id, category_code, reporter_account_id, filed_by_account_id,
            description, is_public, is_anonymous, status, due_at, resolved_at, rating, rated_at, created_at, updated_at)
        SELECT mm.region_id, cat.id, cat.code, mm.account_id, mm.account_id, '生成的诉求', false, false,
            CASE WHEN g % 5 < 4 THEN 'RESOLVED' ELSE 'ACCEPTED' END, at + interval '72 hours',
            CASE WHEN g % 5 < 4 THEN at + (1 + g % 120) * interval '1 hour' END,
            CASE WHEN g % 15 < 5 THEN 1 + g % 5 END, CASE WHEN g % 15 < 5 THEN at + interval '6 days' END, at, at
        FROM t JOIN mm ON mm.n = (t.g::bigint * 7919) % (SELECT count(*) FROM mm) CROSS JOIN cat",
    ),
    (
        "projects",
        "INSERT INTO projects (community_id, title, description, category, status, proposer_account_id,
            budget_fen, created_at, updated_at)
        SELECT c.id, '项目' || g, '生成的项目', 'ENVIRONMENT', 'APPROVED',
            (SELECT account_id FROM memberships WHERE region_id = c.id LIMIT 1), 100000,
            '$BEFORE', '$BEFORE'
        FROM regions c, generate_series(1, 20) g WHERE c.kind = 'COMMUNITY' AND c.code LIKE 'GEN%-%'",
    ),
    (
        "transitions",
        "INSERT INTO project_transitions (project_id, from_status, to_status, role, at)
        SELECT p.id, NULL, s.status, 'COMMUNITY_COMMITTEE',
            timestamptz '$BASE 00:00:00+08' + ((p.id * 13 + s.days) % ($DAYS - 40)) * interval '1 day'
        FROM projects p JOIN regions c ON c.id = p.community_id AND c.code LIKE 'GEN%-%'
        CROSS JOIN (VALUES ('PROPOSED', 0), ('APPROVED', 3), ('COMPLETED', 30), ('EVALUATED', 40)) s(status, days)",
    ),
    (
        "votes",
        "INSERT INTO votes (project_id, account_id, choice, cast_at, updated_at)
        SELECT p.id, m.account_id, CASE WHEN m.account_id % 3 = 0 THEN 'NO' ELSE 'YES' END,
            timestamptz '$BASE 00:00:00+08' + ((p.id * 31 + m.account_id) % $DAYS) * interval '1 day',
            timestamptz '$BASE 00:00:00+08' + ((p.id * 31 + m.account_id) % $DAYS) * interval '1 day'
        FROM memberships m JOIN projects p ON p.community_id = m.region_id AND (p.id + m.account_id) % 2 = 0
        WHERE m.role = 'RESIDENT' AND m.created_at < '$BASE'",
    ),
    (
        "delivery records",
        "WITH s AS (SELECT id, organisation_id FROM services ORDER BY id LIMIT 1),
             c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM regions
                   WHERE kind = 'COMMUNITY' AND code LIKE 'GEN%-%')
        INSERT INTO delivery_records (organisation_id, service_id, community_id, external_id, delivered_on,
            duration_minutes, beneficiaries, content_hash, created_at, updated_at)
        SELECT s.organisation_id, s.id, c.id, 'gen-' || g, date '$BASE' + (g % $DAYS), 30 + g % 90, 1 + g % 4,
            'h', now(), now()
        FROM generate_series(1, $D) g JOIN c ON c.n = g % 100 CROSS JOIN s",
    ),
    (
        "fund",
        "INSERT INTO funds (organisation_id, region_id, fiscal_year, name, purpose, total_fen, status,
            allocated_fen, reserved_fen, pending_fen, spent_fen, created_at, updated_at)
        SELECT (SELECT organisation_id FROM services ORDER BY id LIMIT 1), id, $YEAR, '生成专项', '微更新',
            1000000000, 'OPEN', 0, 0, 0, 0, '$YEAR-01-01T00:00:00Z', '$YEAR-01-01T00:00:00Z'
        FROM regions WHERE code = '110199'",
    ),
    (
        "allocations",
        "INSERT INTO fund_allocations (fund_id, project_id, community_id, amount_fen, pending_fen,
            spent_fen, created_at, updated_at)
        SELECT f.id, p.id, p.community_id, 100000, 0, 40000,
            timestamptz '$YEAR-01-10T00:00:00Z' + (p.id % 100) * interval '1 day', '$YEAR-01-10T00:00:00Z'
        FROM projects p JOIN regions c ON c.id = p.community_id AND c.code LIKE 'GEN%-%'
        CROSS JOIN (SELECT id FROM funds WHERE name = '生成专项') f",
    ),
    (
        "expenditures",
        "INSERT INTO fund_expenditures (allocation_id, fund_id, project_id, community_id, amount_fen,
            spent_on, payee_name, payee_type, description, status, recorded_by_account_id,
            recorded_by_organisation_id, decided_at, created_at)
        SELECT a.id, a.fund_id, a.project_id, a.community_id, 40000, date '$YEAR-06-01', '某某建材', 'BUSINESS', '材料',
            'APPROVED', (SELECT min(id) FROM accounts), (SELECT organisation_id FROM services ORDER BY id LIMIT 1),
            a.created_at + interval '60 days', a.created_at + interval '30 days'
        FROM fund_allocations a JOIN funds f ON f.id = a.fund_id AND f.name = '生成专项'",
    ),
    ("analyze", "ANALYZE"),
];

/// The first day of the 12th month back (the generated months start there).
pub fn base_month(today: NaiveDate) -> NaiveDate {
    let current = today.with_day(1).unwrap();
    (0..11).fold(current, |m, _| (m - chrono::Duration::days(1)).with_day(1).unwrap())
}

/// A step's SQL with its placeholders filled.
pub fn fill(sql: &str, today: NaiveDate, sizes: &Sizes) -> String {
    let current = today.with_day(1).unwrap();
    let base = base_month(today);
    let days = (today - base).num_days().max(1);
    let before = (base - chrono::Duration::days(30)).format("%Y-%m-%dT00:00:00Z").to_string();
    sql.replace("$BASE", &base.to_string())
        .replace("$LAST", &current.to_string())
        .replace("$DAYS", &days.to_string())
        .replace("$YEAR", &today.year().to_string())
        .replace("$BEFORE", &before)
        .replace("$R", &sizes.residents.to_string())
        .replace("$N", &sizes.reports.to_string())
        .replace("$D", &sizes.deliveries.to_string())
}

/// Runs the steps `keep` keeps (by name), printing what each made.
pub async fn generate(db: &api::Db, today: NaiveDate, sizes: &Sizes, keep: impl Fn(&str) -> bool) {
    let started = Instant::now();
    for (what, sql) in GENERATE.iter().filter(|(what, _)| keep(what)) {
        let t = Instant::now();
        let sql = fill(sql, today, sizes);
        let n = db.write.execute_unprepared(&sql).await.unwrap_or_else(|e| panic!("{what}: {e}")).rows_affected();
        println!("generated {what:<18} {n:>9} rows in {:>6.1} s", t.elapsed().as_secs_f64());
    }
    println!("dataset generated in {:.0} s", started.elapsed().as_secs_f64());
}
