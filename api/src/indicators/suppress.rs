//! Small-count suppression for the viewers who must not learn about
//! individuals from a figure (district systems, residents).
//!
//! Primary suppression hides a figure resting on fewer than k records
//! (but more than none: an empty month reveals no one). Because a parent's
//! counts are the sum of its children's, one hidden child among shown
//! siblings could be recovered by subtraction; so, region by region until
//! nothing changes:
//! - a shown region with exactly one hidden child also hides the child next
//!   smallest (by count, preferring a non-empty one);
//! - a hidden region whose children are all shown hides its smallest child
//!   (else the children would add up to it).
//!
//! The tree is the viewer's whole jurisdiction, whatever region a request
//! names, so two requests cannot be combined to undo it. Figures are
//! handled one (indicator, month) at a time: their counts are independent.

use std::collections::{HashMap, HashSet};

use super::compute::Tree;

/// The regions of `tree` whose figure is hidden, given each region's count.
pub fn suppressed(tree: &Tree, counts: &HashMap<i32, i64>, k: i64) -> HashSet<i32> {
    let count = |id: i32| counts.get(&id).copied().unwrap_or(0);
    let mut hidden: HashSet<i32> = tree.ids().into_iter().filter(|&id| (1..k).contains(&count(id))).collect();
    if hidden.is_empty() {
        return hidden;
    }
    let parents: Vec<(i32, Vec<i32>)> =
        tree.regions.iter().map(|r| (r.id, tree.children(r.id))).filter(|(_, kids)| !kids.is_empty()).collect();
    loop {
        let mut changed = false;
        for (parent, kids) in &parents {
            let hidden_kids = kids.iter().filter(|k| hidden.contains(k)).count();
            let needs_one_more = if hidden.contains(parent) {
                hidden_kids == 0 && count(*parent) > 0
            } else {
                hidden_kids == 1 && kids.len() > 1
            };
            if !needs_one_more {
                continue;
            }
            let next =
                kids.iter().copied().filter(|k| !hidden.contains(k)).min_by_key(|&k| (count(k) == 0, count(k), k));
            if let Some(k) = next {
                hidden.insert(k);
                changed = true;
            }
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

    fn sorted(s: HashSet<i32>) -> Vec<i32> {
        let mut v: Vec<i32> = s.into_iter().collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn nothing_small_nothing_hidden() {
        assert!(suppressed(&tree(), &counts([10, 20, 30, 40, 50]), 5).is_empty());
        assert!(suppressed(&tree(), &counts([0, 20, 30, 40, 50]), 5).is_empty(), "an empty figure reveals no one");
    }

    #[test]
    fn a_lone_small_community_takes_its_smallest_sibling_with_it() {
        // 3 ratings in community 4: street 2 (63) minus 5 and 6 would give
        // it away, so the smaller sibling (5, with 20) is hidden too.
        assert_eq!(sorted(suppressed(&tree(), &counts([3, 20, 40, 40, 50]), 5)), vec![4, 5]);
    }

    #[test]
    fn an_empty_sibling_is_not_enough_cover() {
        assert_eq!(sorted(suppressed(&tree(), &counts([3, 0, 40, 40, 50]), 5)), vec![4, 6]);
    }

    #[test]
    fn two_small_siblings_cover_each_other() {
        assert_eq!(sorted(suppressed(&tree(), &counts([3, 2, 40, 40, 50]), 5)), vec![4, 5]);
    }

    #[test]
    fn a_hidden_street_hides_a_sibling_street_and_one_of_its_communities() {
        // Street 3 has 4 records (2 + 2): hidden with both communities. The
        // district would give it away through street 2, so street 2 is
        // hidden; then street 2's communities would add up to it, so its
        // smallest community is hidden. The district minus the shown
        // communities then gives only the sum of three hidden ones.
        let hidden = sorted(suppressed(&tree(), &counts([10, 20, 30, 2, 2]), 5));
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
                            let h = suppressed(&t, &n, 5);
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
}
