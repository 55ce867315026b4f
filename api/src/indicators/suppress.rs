//! Small-count suppression: one pattern per published table, for every
//! audience that may only read suppressed figures.
//!
//! A table is one indicator in one month over a whole top-level region's
//! tree (a district, its streets, their communities), whoever asks: a
//! district system, a resident (their community's cell of it), a machine
//! client of an office (its street's cells), an export. Because they all
//! get the same pattern, what one audience sees can be combined with what
//! another sees without recovering a hidden figure.
//!
//! Primary suppression hides a figure resting on fewer than k records
//! (but more than none: an empty month reveals no one). Because a parent's
//! counts are the sum of its children's, complementary suppression then
//! runs, region by region until nothing changes:
//! - a shown region with exactly one hidden child also hides the child next
//!   smallest (by count, preferring a non-empty one), or itself when it has
//!   no other child;
//! - a hidden region whose children are all shown hides its smallest child
//!   (else the children would add up to it).
//!
//! With these two rules no hidden figure is determined by the shown ones
//! through the tree's sums: for each hidden cell there is a change of the
//! hidden cells alone (+1 down a chain of hidden children to a leaf, and
//! up through hidden parents, balanced by −1 down a hidden sibling's chain
//! where a parent is shown) that keeps every sum, so every value of the
//! cell is consistent with what is published. The property test below
//! checks it by linear algebra over many generated trees.
//!
//! A pattern only grows: a revision of a month starts from the hidden set
//! of the previous revision, so a figure hidden once is never published
//! later in a way that would undo an earlier pattern.

use std::collections::{HashMap, HashSet};

use super::compute::Tree;

/// The regions of `tree` whose figure is hidden, given each region's count,
/// starting from `start` (the previous revision's pattern; empty for a
/// first one).
pub fn suppressed(tree: &Tree, counts: &HashMap<i32, i64>, k: i64, start: &HashSet<i32>) -> HashSet<i32> {
    let count = |id: i32| counts.get(&id).copied().unwrap_or(0);
    let mut hidden: HashSet<i32> = tree.ids().into_iter().filter(|&id| (1..k).contains(&count(id))).collect();
    hidden.extend(start.iter().copied().filter(|id| tree.get(*id).is_some()));
    if hidden.is_empty() {
        return hidden;
    }
    let parents: Vec<(i32, Vec<i32>)> =
        tree.regions.iter().map(|r| (r.id, tree.children(r.id))).filter(|(_, kids)| !kids.is_empty()).collect();
    loop {
        let mut changed = false;
        for (parent, kids) in &parents {
            let hidden_kids = kids.iter().filter(|k| hidden.contains(k)).count();
            let parent_hidden = hidden.contains(parent);
            let needs_one_more = if parent_hidden { hidden_kids == 0 } else { hidden_kids == 1 };
            if !needs_one_more {
                continue;
            }
            let next =
                kids.iter().copied().filter(|k| !hidden.contains(k)).min_by_key(|&k| (count(k) == 0, count(k), k));
            match next {
                Some(k) => hidden.insert(k),
                // A shown parent whose only child is hidden equals it.
                None => hidden.insert(*parent),
            };
            changed = true;
        }
        if !changed {
            return hidden;
        }
    }
}

#[cfg(test)]
mod tests {
    use entity::enums::RegionKind;
    use entity::region;

    use super::*;

    /// district 1 → streets 2, 3 → communities 4, 5, 6 (street 2) and 7, 8
    /// (street 3).
    fn tree() -> Tree {
        let r = |id, parent: Option<i32>, kind, path: &str| region::Model {
            id,
            parent_id: parent,
            kind,
            name: format!("r{id}"),
            code: format!("{id}"),
            path: path.into(),
            created_at: chrono::DateTime::default(),
        };
        Tree {
            regions: vec![
                r(1, None, RegionKind::District, "/1/"),
                r(2, Some(1), RegionKind::Street, "/1/2/"),
                r(3, Some(1), RegionKind::Street, "/1/3/"),
                r(4, Some(2), RegionKind::Community, "/1/2/4/"),
                r(5, Some(2), RegionKind::Community, "/1/2/5/"),
                r(6, Some(2), RegionKind::Community, "/1/2/6/"),
                r(7, Some(3), RegionKind::Community, "/1/3/7/"),
                r(8, Some(3), RegionKind::Community, "/1/3/8/"),
            ],
        }
    }

    fn counts(c: [i64; 5]) -> HashMap<i32, i64> {
        let (s2, s3) = (c[0] + c[1] + c[2], c[3] + c[4]);
        HashMap::from([(1, s2 + s3), (2, s2), (3, s3), (4, c[0]), (5, c[1]), (6, c[2]), (7, c[3]), (8, c[4])])
    }

    fn none() -> HashSet<i32> {
        HashSet::new()
    }

    fn sorted(s: HashSet<i32>) -> Vec<i32> {
        let mut v: Vec<i32> = s.into_iter().collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn nothing_small_nothing_hidden() {
        assert!(suppressed(&tree(), &counts([10, 20, 30, 40, 50]), 5, &none()).is_empty());
        assert!(
            suppressed(&tree(), &counts([0, 20, 30, 40, 50]), 5, &none()).is_empty(),
            "an empty figure reveals no one"
        );
    }

    #[test]
    fn a_lone_small_community_takes_its_smallest_sibling_with_it() {
        // 3 ratings in community 4: street 2 (63) minus 5 and 6 would give
        // it away, so the smaller sibling (5, with 20) is hidden too.
        assert_eq!(sorted(suppressed(&tree(), &counts([3, 20, 40, 40, 50]), 5, &none())), vec![4, 5]);
    }

    #[test]
    fn an_empty_sibling_is_not_enough_cover() {
        assert_eq!(sorted(suppressed(&tree(), &counts([3, 0, 40, 40, 50]), 5, &none())), vec![4, 6]);
    }

    #[test]
    fn two_small_siblings_cover_each_other() {
        assert_eq!(sorted(suppressed(&tree(), &counts([3, 2, 40, 40, 50]), 5, &none())), vec![4, 5]);
    }

    #[test]
    fn a_hidden_street_hides_a_sibling_street_and_one_of_its_communities() {
        // Street 3 has 4 records (2 + 2): hidden with both communities. The
        // district would give it away through street 2, so street 2 is
        // hidden; then street 2's communities would add up to it, so its
        // smallest community is hidden. The district minus the shown
        // communities then gives only the sum of three hidden ones.
        let hidden = sorted(suppressed(&tree(), &counts([10, 20, 30, 2, 2]), 5, &none()));
        assert_eq!(hidden, vec![2, 3, 4, 7, 8]);
    }

    #[test]
    fn no_hidden_figure_can_be_recovered_by_subtraction() {
        // For every combination of small counts: a shown parent never has
        // exactly one hidden child, and a hidden parent never has all its
        // children shown.
        let t = tree();
        let values = [0, 1, 4, 5, 9];
        for a in values {
            for b in values {
                for c in values {
                    for d in values {
                        for e in values {
                            let n = counts([a, b, c, d, e]);
                            let h = suppressed(&t, &n, 5, &none());
                            for p in [1, 2, 3] {
                                let kids = t.children(p);
                                let hidden_kids = kids.iter().filter(|k| h.contains(k)).count();
                                if h.contains(&p) {
                                    assert!(hidden_kids > 0 || n[&p] == 0, "{p} from its children in {n:?}: {h:?}");
                                } else {
                                    assert_ne!(hidden_kids, 1, "a child of {p} by subtraction in {n:?}: {h:?}");
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The hidden cells that the published ones determine through the
    /// tree's sums (each parent = the sum of its children): exact
    /// elimination over the rationals on the hidden cells' columns; a cell
    /// is determined when a reduced row has it alone.
    fn recoverable(t: &Tree, hidden: &HashSet<i32>) -> Vec<i32> {
        let cols: Vec<i32> = sorted(hidden.clone());
        let at = |id: i32| cols.iter().position(|&c| c == id);
        let mut rows: Vec<Vec<i128>> = Vec::new();
        for r in &t.regions {
            let kids = t.children(r.id);
            if kids.is_empty() {
                continue;
            }
            let mut row = vec![0i128; cols.len()];
            if let Some(i) = at(r.id) {
                row[i] = 1;
            }
            for kid in kids {
                if let Some(i) = at(kid) {
                    row[i] = -1;
                }
            }
            if row.iter().any(|&v| v != 0) {
                rows.push(row);
            }
        }
        fn gcd(a: i128, b: i128) -> i128 {
            if b == 0 { a.abs() } else { gcd(b, a % b) }
        }
        let mut rank = 0;
        for col in 0..cols.len() {
            let Some(p) = (rank..rows.len()).find(|&r| rows[r][col] != 0) else { continue };
            rows.swap(rank, p);
            for i in 0..rows.len() {
                if i == rank || rows[i][col] == 0 {
                    continue;
                }
                let (a, b) = (rows[rank][col], rows[i][col]);
                let pivot = rows[rank].clone();
                for (x, y) in rows[i].iter_mut().zip(pivot) {
                    *x = *x * a - y * b;
                }
                let g = rows[i].iter().fold(0, |g, &v| gcd(g, v));
                if g > 1 {
                    rows[i].iter_mut().for_each(|v| *v /= g);
                }
            }
            rank += 1;
        }
        rows.iter()
            .filter_map(|row| {
                let mut nz = row.iter().enumerate().filter(|(_, v)| **v != 0);
                match (nz.next(), nz.next()) {
                    (Some((i, _)), None) => Some(cols[i]),
                    _ => None,
                }
            })
            .collect()
    }

    /// A random tree under a district: 1 to 4 levels below it, 1 to 5
    /// children a region, counts on the leaves (many of them small, some
    /// empty) summed upwards.
    fn random_tree(rng: &mut impl rand::Rng, k: i64) -> (Tree, HashMap<i32, i64>) {
        let r = |id: i32, parent: Option<i32>, path: String| region::Model {
            id,
            parent_id: parent,
            kind: RegionKind::Community,
            name: format!("r{id}"),
            code: format!("{id}"),
            path,
            created_at: chrono::DateTime::default(),
        };
        let depth = rng.random_range(1..=4);
        let mut regions = vec![r(1, None, "/1/".into())];
        let mut level = vec![1];
        for _ in 0..depth {
            let mut next = Vec::new();
            for parent in level {
                let path = regions.iter().find(|x| x.id == parent).map(|x| x.path.clone()).unwrap_or_default();
                for _ in 0..rng.random_range(1..=5) {
                    let id = regions.len() as i32 + 1;
                    regions.push(r(id, Some(parent), format!("{path}{id}/")));
                    next.push(id);
                }
            }
            level = next;
        }
        let tree = Tree { regions };
        let mut counts = HashMap::new();
        for leaf in tree.ids().into_iter().filter(|&id| tree.children(id).is_empty()) {
            let c = match rng.random_range(0..4) {
                0 => 0,
                1 => rng.random_range(1..k),
                2 => rng.random_range(1..=2 * k),
                _ => rng.random_range(k..=100),
            };
            counts.insert(leaf, c);
        }
        // Deepest first, so a parent adds up children already summed.
        let mut order = tree.regions.clone();
        order.sort_by_key(|x| std::cmp::Reverse(x.path.len()));
        for x in order {
            let kids = tree.children(x.id);
            if !kids.is_empty() {
                let sum = kids.iter().map(|c| counts.get(c).copied().unwrap_or(0)).sum();
                counts.insert(x.id, sum);
            }
        }
        (tree, counts)
    }

    #[test]
    fn no_suppressed_cell_is_recoverable_from_everything_published() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(34);
        let mut hidden_cells = 0;
        for case in 0..3000 {
            let k = rng.random_range(3..=10);
            let (t, counts) = random_tree(&mut rng, k);
            // Every audience that reads suppressed figures (the district
            // system the whole table, residents their community's cell,
            // office clients their street's cells, exports) reads cells of
            // the one pattern: together, every cell not hidden.
            let first = suppressed(&t, &counts, k, &none());
            // A later revision: other counts, starting from the pattern.
            let (_, later_counts) = random_tree(&mut rand::rngs::StdRng::seed_from_u64(case), k);
            let later_counts: HashMap<i32, i64> =
                counts.keys().map(|id| (*id, later_counts.get(id).copied().unwrap_or(counts[id]))).collect();
            let later = suppressed(&t, &later_counts, k, &first);
            assert!(later.is_superset(&first), "a revision never publishes a hidden cell");
            for (h, c) in [(&first, &counts), (&later, &later_counts)] {
                for (id, n) in c {
                    if (1..k).contains(n) {
                        assert!(h.contains(id), "primary: {id} with {n} < k = {k}");
                    }
                }
                let found = recoverable(&t, h);
                assert!(found.is_empty(), "case {case}: {found:?} recoverable from {c:?} with {h:?}");
                hidden_cells += h.len();
            }
        }
        assert!(hidden_cells > 3000, "the cases hide cells ({hidden_cells})");
    }

    #[test]
    fn the_checker_finds_a_lone_hidden_child() {
        // The old per-viewer pattern of the 东湖 case: the district system
        // saw 柳巷 hidden and 桃园 (and 东湖) shown.
        let t = tree();
        let found = recoverable(&t, &HashSet::from([4]));
        assert_eq!(found, vec![4]);
        assert!(recoverable(&t, &HashSet::from([4, 5])).is_empty());
    }

    #[test]
    fn dong_hu_liu_xiang_tao_yuan() {
        // 东湖 street (2) with 柳巷 (4: 3 reports, 0 resolved) and 桃园 (5:
        // 74 reports); k = 5. One pattern for everyone: 柳巷 and 桃园 both
        // hidden, so neither the district system (东湖 77) nor a resident
        // of 桃园 (who now sees 桃园 hidden too) learns 柳巷's figure.
        let r = |id, parent: Option<i32>, path: &str| region::Model {
            id,
            parent_id: parent,
            kind: RegionKind::Community,
            name: format!("r{id}"),
            code: format!("{id}"),
            path: path.into(),
            created_at: chrono::DateTime::default(),
        };
        let t = Tree {
            regions: vec![
                r(1, None, "/1/"),
                r(2, Some(1), "/1/2/"),
                r(4, Some(2), "/1/2/4/"),
                r(5, Some(2), "/1/2/5/"),
            ],
        };
        let counts = HashMap::from([(1, 77), (2, 77), (4, 3), (5, 74)]);
        let hidden = suppressed(&t, &counts, 5, &none());
        assert_eq!(sorted(hidden.clone()), vec![4, 5]);
        assert!(recoverable(&t, &hidden).is_empty());
    }
}
