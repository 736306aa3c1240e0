//! Lists with the newest activity first: a record's place is the log
//! position of its latest event, so a page is a walk down positions from
//! a cursor, and a record that changes moves to the top.

use std::collections::BTreeMap;
use std::hash::Hash;

use rustc_hash::FxHashMap;

/// Up to `limit` records whose latest event came before position `before`
/// (all when `None`), newest first, only those `keep` says yes to; and the
/// position the next page starts before, when there is more. A filter few
/// records pass walks much of the list to fill a page.
pub fn newest_first<'a, K, R>(
    recency: &BTreeMap<u64, K>,
    rows: &'a FxHashMap<K, R>,
    limit: usize,
    before: Option<u64>,
    keep: impl Fn(K, &R) -> bool,
) -> (Vec<(K, &'a R)>, Option<u64>)
where
    K: Copy + Eq + Hash,
{
    let mut page = Vec::with_capacity(limit);
    for (position, key) in recency.range(..before.unwrap_or(u64::MAX)).rev() {
        let Some(row) = rows.get(key) else {
            continue;
        };
        if !keep(*key, row) {
            continue;
        }
        if page.len() == limit {
            return (page, Some(*position + 1));
        }
        page.push((*key, row));
    }
    (page, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Protects paging: newest first, the filter applied before counting,
    /// and the cursor resuming exactly after the last row shown.
    #[test]
    fn pages_walk_down_the_positions_from_the_cursor() {
        let recency: BTreeMap<u64, u32> = (1..=7)
            .map(|position| (position * 10, position as u32))
            .collect();
        let rows: FxHashMap<u32, bool> = (1..=7).map(|key| (key, key != 5)).collect();
        let (page, next) = newest_first(&recency, &rows, 3, None, |_, shown| *shown);
        assert_eq!(
            page.iter().map(|(key, _)| *key).collect::<Vec<_>>(),
            [7, 6, 4]
        );
        let (page, next) = newest_first(&recency, &rows, 3, next, |_, shown| *shown);
        assert_eq!(
            page.iter().map(|(key, _)| *key).collect::<Vec<_>>(),
            [3, 2, 1]
        );
        assert_eq!(next, None);
    }
}
