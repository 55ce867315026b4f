//! The SQL of the indicator computation (`compute.rs`): one statement per
//! source, each after the months (`m`) and communities (`c`) common table
//! expressions that `compute::Queries` puts in front.

/// Reports filed in the month: how many, how many resolved by the month's
/// end (a reopened report counts again once resolved again), and how many
/// passed their due time unresolved (by the month's end, or now for the
/// current month). Parameter: now.
pub(super) const REPORTS: &str = "
SELECT r.community_id AS community, m.k AS month,
  COUNT(*) AS submitted,
  SUM(CASE WHEN r.resolved_at < m.e THEN 1 ELSE 0 END) AS resolved,
  SUM(CASE WHEN r.due_at < m.e AND r.due_at < ? AND (r.resolved_at IS NULL OR r.resolved_at > r.due_at)
      THEN 1 ELSE 0 END) AS overdue
FROM reports r JOIN m ON r.created_at >= m.s AND r.created_at < m.e
WHERE r.community_id IN (SELECT id FROM c)
GROUP BY r.community_id, m.k";

/// Ratings given in the month, by source: 0 reports, 1 service requests,
/// 2 project evaluations.
pub(super) const RATINGS: &str = "
SELECT t.community, t.month, t.source, COUNT(*) AS n, SUM(CASE WHEN t.rating >= 4 THEN 1 ELSE 0 END) AS good
FROM (
  SELECT r.community_id AS community, m.k AS month, 0 AS source, r.rating AS rating
  FROM reports r JOIN m ON r.rated_at >= m.s AND r.rated_at < m.e WHERE r.rating IS NOT NULL
  UNION ALL
  SELECT q.community_id, m.k, 1, q.rating
  FROM service_requests q JOIN m ON q.rated_at >= m.s AND q.rated_at < m.e WHERE q.rating IS NOT NULL
  UNION ALL
  SELECT p.community_id, m.k, 2, e.rating
  FROM evaluations e JOIN projects p ON p.id = e.project_id JOIN m ON e.created_at >= m.s AND e.created_at < m.e
) t
WHERE t.community IN (SELECT id FROM c)
GROUP BY t.community, t.month, t.source";

/// Answers to the overall rating of the standard satisfaction surveys
/// closed in the month, by the respondent's community: how many, how many
/// 4 or 5.
pub(super) const SURVEYS: &str = "
SELECT r.community_id AS community, m.k AS month, COUNT(*) AS n,
  SUM(CASE WHEN r.satisfaction >= 4 THEN 1 ELSE 0 END) AS good
FROM survey_responses r JOIN surveys s ON s.id = r.survey_id JOIN m ON s.closed_at >= m.s AND s.closed_at < m.e
WHERE s.status = 'CLOSED' AND r.satisfaction IS NOT NULL AND r.community_id IN (SELECT id FROM c)
GROUP BY r.community_id, m.k";

/// Distinct eligible residents (residents and building heads, the voters
/// of votes and budget rounds) of the community who proposed, voted on a
/// project or in a budget round, commented, reported, rated or attended a
/// council meeting in it during the month.
pub(super) const PARTICIPATION: &str = "
SELECT t.community, t.month, COUNT(DISTINCT t.account) AS active
FROM (
  SELECT p.community_id AS community, m.k AS month, m.e AS e, p.proposer_account_id AS account
  FROM project_transitions pt JOIN projects p ON p.id = pt.project_id JOIN m ON pt.at >= m.s AND pt.at < m.e
  WHERE pt.to_status = 'PROPOSED'
  UNION ALL
  SELECT p.community_id, m.k, m.e, v.account_id
  FROM votes v JOIN projects p ON p.id = v.project_id JOIN m ON v.cast_at >= m.s AND v.cast_at < m.e
  UNION ALL
  SELECT br.community_id, m.k, m.e, bb.account_id
  FROM budget_ballots bb JOIN budget_rounds br ON br.id = bb.round_id JOIN m ON bb.updated_at >= m.s AND bb.updated_at < m.e
  UNION ALL
  SELECT cm.community_id, m.k, m.e, ca.account_id
  FROM council_attendees ca JOIN council_meetings cm ON cm.id = ca.meeting_id
    JOIN m ON cm.scheduled_at >= m.s AND cm.scheduled_at < m.e
  UNION ALL
  SELECT p.community_id, m.k, m.e, pc.author_account_id
  FROM project_comments pc JOIN projects p ON p.id = pc.project_id JOIN m ON pc.created_at >= m.s AND pc.created_at < m.e
  UNION ALL
  SELECT r.community_id, m.k, m.e, r.reporter_account_id
  FROM reports r JOIN m ON r.created_at >= m.s AND r.created_at < m.e
  UNION ALL
  SELECT r.community_id, m.k, m.e, r.reporter_account_id
  FROM reports r JOIN m ON r.rated_at >= m.s AND r.rated_at < m.e
  UNION ALL
  SELECT q.community_id, m.k, m.e, q.resident_account_id
  FROM service_requests q JOIN m ON q.rated_at >= m.s AND q.rated_at < m.e
  UNION ALL
  SELECT p.community_id, m.k, m.e, e.account_id
  FROM evaluations e JOIN projects p ON p.id = e.project_id JOIN m ON e.created_at >= m.s AND e.created_at < m.e
) t
WHERE t.community IN (SELECT id FROM c)
  AND EXISTS (SELECT 1 FROM memberships ms WHERE ms.account_id = t.account AND ms.region_id = t.community
              AND ms.role IN ('RESIDENT', 'BUILDING_HEAD') AND ms.created_at < t.e)
GROUP BY t.community, t.month";

/// Eligible residents (residents and building heads, each person once)
/// registered in the community by the month's end.
pub(super) const RESIDENTS: &str = "
SELECT ms.region_id AS community, m.k AS month, COUNT(DISTINCT ms.account_id) AS residents
FROM memberships ms JOIN m ON ms.created_at < m.e
WHERE ms.role IN ('RESIDENT', 'BUILDING_HEAD') AND ms.region_id IN (SELECT id FROM c)
GROUP BY ms.region_id, m.k";

/// Projects that reached each milestone in the month (by their recorded
/// transitions).
pub(super) const PROJECTS: &str = "
SELECT p.community_id AS community, m.k AS month, pt.to_status AS status, COUNT(DISTINCT p.id) AS n
FROM project_transitions pt JOIN projects p ON p.id = pt.project_id JOIN m ON pt.at >= m.s AND pt.at < m.e
WHERE pt.to_status IN ('PROPOSED', 'APPROVED', 'COMPLETED', 'EVALUATED') AND p.community_id IN (SELECT id FROM c)
GROUP BY p.community_id, m.k, pt.to_status";

/// Allocations to the community's projects from funds of the month's
/// fiscal year, made by the month's end.
pub(super) const ALLOCATIONS: &str = "
SELECT a.community_id AS community, m.k AS month, COUNT(*) AS n, CAST(SUM(a.amount_fen) AS BIGINT) AS fen
FROM fund_allocations a JOIN funds f ON f.id = a.fund_id JOIN m ON f.fiscal_year = m.y AND a.created_at < m.e
WHERE a.community_id IN (SELECT id FROM c)
GROUP BY a.community_id, m.k";

/// Approved expenditures of those funds, decided by the month's end.
pub(super) const SPENT: &str = "
SELECT x.community_id AS community, m.k AS month, CAST(SUM(x.amount_fen) AS BIGINT) AS fen
FROM fund_expenditures x JOIN funds f ON f.id = x.fund_id JOIN m ON f.fiscal_year = m.y AND x.decided_at < m.e
WHERE x.status = 'APPROVED' AND x.community_id IN (SELECT id FROM c)
GROUP BY x.community_id, m.k";

/// Delivery records by their (local) delivery day.
pub(super) const DELIVERIES: &str = "
SELECT d.community_id AS community, m.k AS month, COUNT(*) AS n,
  CAST(SUM(d.beneficiaries) AS BIGINT) AS people, CAST(SUM(d.duration_minutes) AS BIGINT) AS minutes
FROM delivery_records d JOIN m ON d.delivered_on >= m.ds AND d.delivered_on < m.de
WHERE d.community_id IN (SELECT id FROM c)
GROUP BY d.community_id, m.k";

/// Hours from filing to resolution, whole seconds on both engines.
pub(super) const HOURS_PG: &str = "CAST((FLOOR(EXTRACT(EPOCH FROM r.resolved_at)) - FLOOR(EXTRACT(EPOCH FROM r.created_at))) / 3600.0 AS DOUBLE PRECISION)";
pub(super) const HOURS_SQLITE: &str = "CAST(CAST(strftime('%s', r.resolved_at) AS INTEGER) - CAST(strftime('%s', r.created_at) AS INTEGER) AS REAL) / 3600.0";

/// Median and 90th percentile (nearest rank: the value at position
/// ceil(p·n) in ascending order) of the resolution hours of the reports
/// resolved in the month, for every region of the tree at once: each
/// report joins the regions above its community (`anc`).
pub(super) const PERCENTILES: &str = ", anc AS (
  SELECT a.id AS region, c.id AS community FROM c JOIN regions a ON c.path LIKE a.path || '%'
), x AS (
  SELECT anc.region AS region, m.k AS month, {hours} AS h
  FROM reports r JOIN m ON r.resolved_at >= m.s AND r.resolved_at < m.e JOIN anc ON anc.community = r.community_id
), ranked AS (
  SELECT region, month, h, ROW_NUMBER() OVER (PARTITION BY region, month ORDER BY h) AS rn,
         COUNT(*) OVER (PARTITION BY region, month) AS n
  FROM x
)
SELECT region, month, n, MAX(CASE WHEN rn = (n + 1) / 2 THEN h END) AS p50,
       MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN h END) AS p90
FROM ranked GROUP BY region, month, n";
