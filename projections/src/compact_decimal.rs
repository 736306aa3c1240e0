//! Decimals in snapshots as mantissa and scale: a few bytes each, read
//! back without parsing. The workspace's serde form of a decimal is its
//! text, which a snapshot of millions of movements would parse on every
//! restore.

use rust_decimal::Decimal;
use serde::de::Error;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    (value.mantissa(), value.scale()).serialize(serializer)
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let (mantissa, scale) = <(i128, u32)>::deserialize(deserializer)?;
    Decimal::try_from_i128_with_scale(mantissa, scale).map_err(D::Error::custom)
}
