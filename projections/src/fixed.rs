//! Amounts and quantities as whole ten-thousandths in an `i64`: what the
//! trade report models store in their millions of day buckets.
//!
//! Every amount and quantity the domain records has at most four decimals
//! (money is kept to `MONEY_SCALE_MAX`, quantities to
//! `QUANTITY_SCALE_MAX`, document amounts to cents), so it converts
//! exactly; a product of the two (a cost: quantity × unit cost) is rounded
//! to four decimals, half away from zero, once, where it is booked. Against
//! a `Decimal` this halves a figure's size, makes an addition one integer
//! instruction, and writes snapshots without text.
//!
//! Sixty-four bits of ten-thousandths hold ±922 trillion. A stored figure
//! is one day's sum for one dimension member, far below that; a conversion
//! or a sum that would leave the range saturates instead of wrapping.
//! Queries add days up in `i128` and convert back at the edge.

use rust_decimal::{Decimal, RoundingStrategy};

/// Decimal places kept.
pub const SCALE: u32 = 4;

/// `value` in ten-thousandths, rounded half away from zero; saturates
/// outside the range of an `i64`.
pub fn from_decimal(value: Decimal) -> i64 {
    let rounded = value.round_dp_with_strategy(SCALE, RoundingStrategy::MidpointAwayFromZero);
    // Rounding left at most `SCALE` places.
    let factor = 10_i128.pow(SCALE.saturating_sub(rounded.scale()));
    saturate(rounded.mantissa().saturating_mul(factor))
}

/// An `i128` sum clamped into an `i64`.
pub fn saturate(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

/// Ten-thousandths back as a decimal with no trailing zeros (a quantity);
/// saturates at the decimal range.
pub fn to_decimal(fixed: i128) -> Decimal {
    Decimal::try_from_i128_with_scale(fixed, SCALE)
        .unwrap_or(if fixed < 0 {
            Decimal::MIN
        } else {
            Decimal::MAX
        })
        .normalize()
}

/// Ten-thousandths back as an amount of money: to the cent at least
/// (`12.50`), to the ten-thousandth where it has them.
pub fn to_money(fixed: i128) -> Decimal {
    let mut money = to_decimal(fixed);
    if money.scale() < 2 {
        money.rescale(2);
    }
    money
}

/// `quantity × unit_cost` in ten-thousandths, rounded once.
pub fn cost_of(quantity: Decimal, unit_cost: Decimal) -> i64 {
    quantity
        .checked_mul(unit_cost)
        .map_or(i64::MAX, from_decimal)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap_or_default()
    }

    /// Protects every stored figure: four decimals go in and come back
    /// exactly, whatever their scale; more are rounded half away from
    /// zero; money comes back to the cent at least.
    #[test]
    fn amounts_round_trip_through_ten_thousandths() {
        for text in [
            "0",
            "1",
            "12.5",
            "12.50",
            "-3.1415",
            "0.0001",
            "999999999.9999",
        ] {
            assert_eq!(to_decimal(i128::from(from_decimal(dec(text)))), dec(text));
        }
        assert_eq!(from_decimal(dec("0.00005")), 1);
        assert_eq!(from_decimal(dec("-0.00005")), -1);
        assert_eq!(from_decimal(dec("0.00004")), 0);
        assert_eq!(cost_of(dec("3"), dec("1.33335")), 4_0001);
        assert_eq!(to_money(12_5000).to_string(), "12.50");
        assert_eq!(to_money(1).to_string(), "0.0001");
        assert_eq!(to_decimal(12_5000).to_string(), "12.5");
    }

    /// Protects sums from wrapping around: out of range saturates.
    #[test]
    fn out_of_range_values_saturate() {
        assert_eq!(from_decimal(Decimal::MAX), i64::MAX);
        assert_eq!(from_decimal(Decimal::MIN), i64::MIN);
        assert_eq!(saturate(i128::MAX), i64::MAX);
        assert_eq!(to_decimal(i128::MAX), Decimal::MAX);
    }
}
