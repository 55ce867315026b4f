//! A bounded map that forgets its oldest entries: the process-wide caches
//! keyed by client-chosen text (persisted query texts by hash, parsed
//! documents by text) must not grow with what clients send.

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

/// At most `cap` entries; inserting past that forgets the oldest (first
/// inserted, not least recently used: a hit takes no write, so readers
/// only ever contend for a short lock).
pub struct Bounded<K, V> {
    cap: usize,
    inner: Mutex<(HashMap<K, V>, VecDeque<K>)>,
}

impl<K: Hash + Eq + Clone, V: Clone> Bounded<K, V> {
    pub fn new(cap: usize) -> Self {
        Self { cap, inner: Mutex::new((HashMap::new(), VecDeque::new())) }
    }

    /// A copy of the value under `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        // The map holds plain values; one left by a panicking writer is whole.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).0.get(key).cloned()
    }

    /// Remember `value` under `key` (nothing when the cap is 0).
    pub fn insert(&self, key: K, value: V) {
        if self.cap == 0 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let (map, order) = &mut *inner;
        if map.insert(key.clone(), value).is_none() {
            order.push_back(key);
        }
        while order.len() > self.cap {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_entry_goes_first() {
        let c = Bounded::new(2);
        c.insert("a".to_owned(), 1);
        c.insert("b".to_owned(), 2);
        c.insert("a".to_owned(), 3);
        assert_eq!(c.get("a"), Some(3), "a replaced value keeps its place");
        c.insert("c".to_owned(), 4);
        assert_eq!((c.get("a"), c.get("b"), c.get("c")), (None, Some(2), Some(4)));
        let off = Bounded::new(0);
        off.insert("a".to_owned(), 1);
        assert_eq!(off.get("a"), None);
    }
}
