//! A map for millions of time-ordered ids (UUID v7) with small values.
//!
//! Ids made by the application grow with time, so nearly every insert is
//! an append to a sorted vector: no hashing, no scattered memory, and a
//! snapshot stores and restores it as one sorted sequence. The few ids
//! that arrive out of order go to a hash map beside it. Removal leaves a
//! tombstone, so it never moves the vector.

use std::fmt;
use std::marker::PhantomData;

use rustc_hash::FxHashMap;
use serde::de::{SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Debug)]
pub struct IdIndex<K, V> {
    sorted: Vec<(K, Option<V>)>,
    stray: FxHashMap<K, V>,
}

impl<K, V> Default for IdIndex<K, V> {
    fn default() -> Self {
        Self {
            sorted: Vec::new(),
            stray: FxHashMap::default(),
        }
    }
}

impl<K: Ord + Copy + std::hash::Hash, V> IdIndex<K, V> {
    pub fn insert(&mut self, key: K, value: V) {
        match self.sorted.last() {
            None => self.sorted.push((key, Some(value))),
            Some((last, _)) if *last < key => self.sorted.push((key, Some(value))),
            Some(_) => match self.sorted.binary_search_by(|(other, _)| other.cmp(&key)) {
                Ok(index) => self.sorted[index].1 = Some(value),
                Err(_) => {
                    self.stray.insert(key, value);
                }
            },
        }
    }

    pub fn get(&self, key: &K) -> Option<&V> {
        match self.sorted.binary_search_by(|(other, _)| other.cmp(key)) {
            Ok(index) => self.sorted[index].1.as_ref(),
            Err(_) => self.stray.get(key),
        }
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        match self.sorted.binary_search_by(|(other, _)| other.cmp(key)) {
            Ok(index) => self.sorted[index].1.take(),
            Err(_) => self.stray.remove(key),
        }
    }

    /// Every live entry in key order.
    fn entries(&self) -> Vec<(&K, &V)> {
        let mut entries: Vec<(&K, &V)> = self
            .sorted
            .iter()
            .filter_map(|(key, value)| value.as_ref().map(|value| (key, value)))
            .chain(self.stray.iter())
            .collect();
        if !self.stray.is_empty() {
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        }
        entries
    }
}

impl<K: Ord + Copy + std::hash::Hash, V: PartialEq> PartialEq for IdIndex<K, V> {
    /// Equal when they hold the same entries, however they are laid out.
    fn eq(&self, other: &Self) -> bool {
        self.entries() == other.entries()
    }
}

impl<K: Ord + Copy + std::hash::Hash + Serialize, V: Serialize> Serialize for IdIndex<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let entries = self.entries();
        let mut sequence = serializer.serialize_seq(Some(entries.len()))?;
        for entry in entries {
            sequence.serialize_element(&entry)?;
        }
        sequence.end()
    }
}

impl<'de, K, V> Deserialize<'de> for IdIndex<K, V>
where
    K: Ord + Copy + std::hash::Hash + Deserialize<'de>,
    V: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<K, V>(PhantomData<(K, V)>);

        impl<'de, K, V> Visitor<'de> for Entries<K, V>
        where
            K: Ord + Copy + std::hash::Hash + Deserialize<'de>,
            V: Deserialize<'de>,
        {
            type Value = IdIndex<K, V>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("entries in key order")
            }

            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut sequence: A,
            ) -> Result<Self::Value, A::Error> {
                let mut index = IdIndex::default();
                index.sorted.reserve(sequence.size_hint().unwrap_or(0));
                while let Some((key, value)) = sequence.next_element::<(K, V)>()? {
                    index.insert(key, value);
                }
                Ok(index)
            }
        }

        deserializer.deserialize_seq(Entries(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Protects lookups whatever order ids arrive in, and removal.
    #[test]
    fn in_order_and_stray_ids_are_found_and_removed() {
        let mut index = IdIndex::default();
        for key in [1u32, 2, 5, 9, 3, 7] {
            index.insert(key, key * 10);
        }
        for key in [1u32, 2, 3, 5, 7, 9] {
            assert_eq!(index.get(&key), Some(&(key * 10)));
        }
        assert_eq!(index.get(&4), None);
        assert_eq!(index.remove(&5), Some(50));
        assert_eq!(index.remove(&3), Some(30));
        assert_eq!(index.get(&5), None);
        assert_eq!(index.remove(&5), None);
        index.insert(2, 21);
        assert_eq!(index.get(&2), Some(&21));
    }

    /// Protects snapshots: a restored index equals the live one, whose
    /// layout (sorted part, stray part, tombstones) differs.
    #[test]
    fn a_snapshot_round_trip_keeps_the_entries() {
        let mut index = IdIndex::default();
        for key in [10u32, 20, 30, 15, 40, 5] {
            index.insert(key, u64::from(key));
        }
        index.remove(&20);
        let bytes =
            bincode::serde::encode_to_vec(&index, bincode::config::standard()).unwrap_or_default();
        let (restored, _): (IdIndex<u32, u64>, usize) =
            bincode::serde::decode_from_slice(&bytes, bincode::config::standard())
                .unwrap_or_default();
        assert!(restored == index);
        assert!(restored.stray.is_empty(), "restored in order");
        assert_eq!(restored.get(&15), Some(&15));
        assert_eq!(restored.get(&20), None);
    }
}
