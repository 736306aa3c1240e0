//! Each grammar's rules, with the numbers where they change.

use super::*;
use proptest::prelude::*;
use std::str::FromStr;

fn words(amount: &str, currency: &str, language: Language) -> String {
    let currency = Currency::parse("currency", currency).unwrap();
    amount_in_words(Decimal::from_str(amount).unwrap(), currency, language).unwrap()
}

#[test]
fn english_spells_hundreds_tens_and_scales() {
    let en = |amount| words(amount, "EUR", Language::English);
    assert_eq!(en("0"), "Zero euros and 00 cents");
    assert_eq!(en("1.01"), "One euro and 01 cent");
    assert_eq!(en("15"), "Fifteen euros and 00 cents");
    assert_eq!(en("21.5"), "Twenty-one euros and 50 cents");
    assert_eq!(en("100"), "One hundred euros and 00 cents");
    assert_eq!(
        en("1234.05"),
        "One thousand two hundred thirty-four euros and 05 cents"
    );
    assert_eq!(en("2000017"), "Two million seventeen euros and 00 cents");
    assert_eq!(
        words("3.999", "USD", Language::English),
        "Four US dollars and 00 cents",
        "rounded to cents first, half away from zero"
    );
    assert_eq!(
        words("7", "CHF", Language::English),
        "Seven CHF and 00 hundredths",
        "a currency without a name is named by its code"
    );
}

#[test]
fn russian_agrees_in_gender_and_number() {
    let rub = |amount| words(amount, "RUB", Language::Russian);
    assert_eq!(rub("1.01"), "Один рубль 01 копейка");
    assert_eq!(rub("2.02"), "Два рубля 02 копейки");
    assert_eq!(rub("5.05"), "Пять рублей 05 копеек");
    assert_eq!(rub("11.11"), "Одиннадцать рублей 11 копеек");
    assert_eq!(rub("21.21"), "Двадцать один рубль 21 копейка");
    assert_eq!(rub("112.22"), "Сто двенадцать рублей 22 копейки");
    assert_eq!(rub("1000"), "Одна тысяча рублей 00 копеек");
    assert_eq!(rub("2001"), "Две тысячи один рубль 00 копеек");
    assert_eq!(rub("5000"), "Пять тысяч рублей 00 копеек");
    assert_eq!(
        rub("11234567"),
        "Одиннадцать миллионов двести тридцать четыре тысячи пятьсот шестьдесят семь рублей 00 копеек"
    );
    assert_eq!(
        words("1234.5", "EUR", Language::Russian),
        "Одна тысяча двести тридцать четыре евро 50 центов"
    );
    assert_eq!(
        words("22", "USD", Language::Russian),
        "Двадцать два доллара США 00 центов"
    );
}

#[test]
fn arabic_counts_thousands_in_dual_plural_and_accusative() {
    let ar = |amount| words(amount, "EUR", Language::Arabic);
    assert_eq!(ar("1"), "واحد يورو");
    assert_eq!(ar("11"), "أحد عشر يورو");
    assert_eq!(ar("21.5"), "واحد وعشرون يورو وخمسون سنت");
    assert_eq!(ar("200"), "مائتان يورو");
    assert_eq!(ar("1000"), "ألف يورو");
    assert_eq!(ar("2000"), "ألفان يورو");
    assert_eq!(ar("3000"), "ثلاثة آلاف يورو");
    assert_eq!(ar("11000"), "أحد عشر ألفًا يورو");
    assert_eq!(ar("100000"), "مائة ألف يورو");
    assert_eq!(ar("1234.05"), "ألف ومائتان وأربعة وثلاثون يورو وخمسة سنت");
    assert_eq!(
        words("2000000.99", "SAR", Language::Arabic),
        "مليونان ريال سعودي وتسعة وتسعون هللة"
    );
}

#[test]
fn negative_and_too_large_amounts_are_not_spelt() {
    let eur = Currency::parse("currency", "EUR").unwrap();
    for language in Language::ALL {
        assert_eq!(amount_in_words(Decimal::NEGATIVE_ONE, eur, language), None);
        assert_eq!(
            amount_in_words(Decimal::from(1_000_000_000_000_000_u64), eur, language),
            None
        );
    }
}

#[test]
fn a_language_is_known_by_its_tag() {
    for language in Language::ALL {
        assert_eq!(Language::parse(language.tag()), Some(language));
    }
    assert_eq!(Language::parse("fr"), None);
    assert!(Language::Arabic.is_right_to_left());
    assert!(!Language::Russian.is_right_to_left());
}

proptest! {
    /// Any amount the domain accepts is spelt in every language, with no
    /// doubled or dangling spaces, the hundredths as two digits (in words
    /// in Arabic).
    #[test]
    fn every_amount_is_spelt_cleanly(cents in 0_u64..100_000_000_000_000_000) {
        let amount = Decimal::new(cents as i64, 2);
        let eur = Currency::parse("currency", "EUR").unwrap();
        for language in Language::ALL {
            let text = amount_in_words(amount, eur, language).unwrap();
            prop_assert!(!text.contains("  "), "{text}");
            prop_assert_eq!(text.trim(), text.as_str());
            if language != Language::Arabic {
                let minor = format!("{:02}", cents % 100);
                prop_assert!(text.contains(&minor), "{text}");
            }
        }
    }
}
