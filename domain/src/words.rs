//! Amounts in words, as printed documents state a total: English, Russian
//! and Arabic.
//!
//! The whole units are spelt out with the currency's name after them, the
//! hundredths as two digits with the minor unit's name in English and
//! Russian, as words in Arabic: "One thousand two hundred thirty-four
//! euros and 05 cents", «Одна тысяча двести тридцать четыре рубля 05
//! копеек», «ألف ومائتان وأربعة وثلاثون يورو وخمسة سنت».
//! An amount is rounded to hundredths first (half away from zero); a
//! currency without a name here is named by its code. Up to 999 trillion:
//! more than any amount the domain accepts.
//!
//! No maintained crate covers Russian and Arabic (the `num2words` crate
//! spells English, French and Ukrainian), so the three grammars are here,
//! each with its own tests.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::values::Currency;

/// A language documents are printed in. Stored by position: new variants
/// at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Language {
    English,
    Russian,
    Arabic,
}

impl Language {
    pub const ALL: [Self; 3] = [Self::English, Self::Russian, Self::Arabic];

    /// The BCP 47 tag: `en`, `ru`, `ar`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::Russian => "ru",
            Self::Arabic => "ar",
        }
    }

    pub fn parse(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|language| language.tag() == tag)
    }

    pub fn is_right_to_left(self) -> bool {
        self == Self::Arabic
    }
}

/// The largest whole amount spelt out: below a quadrillion.
const WHOLE_MAX: u64 = 999_999_999_999_999;

/// `amount` of `currency` in words in `language`; `None` when it is
/// negative or beyond [`WHOLE_MAX`].
pub fn amount_in_words(amount: Decimal, currency: Currency, language: Language) -> Option<String> {
    let cents = amount
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .checked_mul(Decimal::ONE_HUNDRED)?
        .to_u64()?;
    let (whole, minor) = (cents / 100, cents % 100);
    if whole > WHOLE_MAX {
        return None;
    }
    let names = names(currency, language);
    let text = match language {
        Language::English => english(whole, minor, &names),
        Language::Russian => russian(whole, minor, &names),
        Language::Arabic => arabic(whole, minor, &names),
    };
    Some(capitalized(text))
}

/// A currency's names in one language: the major unit (singular, and the
/// two Russian plurals) and the minor one, with the Russian gender.
#[derive(Debug)]
struct Names {
    major: [String; 3],
    major_feminine: bool,
    minor: [String; 3],
}

fn names(currency: Currency, language: Language) -> Names {
    let forms =
        |one: &str, few: &str, many: &str| [one.to_owned(), few.to_owned(), many.to_owned()];
    let same = |word: &str| forms(word, word, word);
    let code = currency.as_str();
    let (major, major_feminine, minor) = match (language, code) {
        (Language::English, "EUR") => (
            forms("euro", "euros", "euros"),
            false,
            forms("cent", "cents", "cents"),
        ),
        (Language::English, "USD") => (
            forms("US dollar", "US dollars", "US dollars"),
            false,
            forms("cent", "cents", "cents"),
        ),
        (Language::English, "GBP") => (
            forms("pound sterling", "pounds sterling", "pounds sterling"),
            false,
            forms("penny", "pence", "pence"),
        ),
        (Language::English, "RUB") => (
            forms("rouble", "roubles", "roubles"),
            false,
            forms("kopeck", "kopecks", "kopecks"),
        ),
        (Language::English, _) => (
            same(code),
            false,
            forms("hundredth", "hundredths", "hundredths"),
        ),
        (Language::Russian, "EUR") => (same("евро"), false, forms("цент", "цента", "центов")),
        (Language::Russian, "USD") => (
            forms("доллар США", "доллара США", "долларов США"),
            false,
            forms("цент", "цента", "центов"),
        ),
        (Language::Russian, "GBP") => (
            forms("фунт стерлингов", "фунта стерлингов", "фунтов стерлингов"),
            false,
            forms("пенни", "пенни", "пенни"),
        ),
        (Language::Russian, "RUB") => (
            forms("рубль", "рубля", "рублей"),
            false,
            forms("копейка", "копейки", "копеек"),
        ),
        (Language::Russian, _) => (same(code), false, forms("сотая", "сотых", "сотых")),
        (Language::Arabic, "EUR") => (same("يورو"), false, same("سنت")),
        (Language::Arabic, "USD") => (same("دولار أمريكي"), false, same("سنت")),
        (Language::Arabic, "SAR") => (same("ريال سعودي"), false, same("هللة")),
        (Language::Arabic, "AED") => (same("درهم إماراتي"), false, same("فلس")),
        (Language::Arabic, "EGP") => (same("جنيه مصري"), false, same("قرش")),
        (Language::Arabic, "RUB") => (same("روبل روسي"), false, same("كوبيك")),
        (Language::Arabic, _) => (same(code), false, same("من مائة")),
    };
    Names {
        major,
        major_feminine,
        minor,
    }
}

fn capitalized(text: String) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// Splits `n` into groups of three digits, lowest first.
fn groups(mut n: u64) -> Vec<u64> {
    let mut groups = Vec::new();
    while n > 0 {
        groups.push(n % 1000);
        n /= 1000;
    }
    groups
}

// ------------------------------------------------------------------ English

const EN_ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const EN_TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const EN_SCALES: [&str; 5] = ["", "thousand", "million", "billion", "trillion"];

fn english_below_thousand(n: u64) -> String {
    let mut parts = Vec::new();
    if n >= 100 {
        parts.push(format!("{} hundred", EN_ONES[(n / 100) as usize]));
    }
    let rest = (n % 100) as usize;
    if rest >= 20 {
        let tens = EN_TENS[rest / 10];
        parts.push(match rest % 10 {
            0 => tens.to_owned(),
            ones => format!("{tens}-{}", EN_ONES[ones]),
        });
    } else if rest > 0 {
        parts.push(EN_ONES[rest].to_owned());
    }
    parts.join(" ")
}

fn english_number(n: u64) -> String {
    if n == 0 {
        return EN_ONES[0].to_owned();
    }
    let mut parts = Vec::new();
    for (scale, group) in groups(n).into_iter().enumerate().rev() {
        if group == 0 {
            continue;
        }
        let words = english_below_thousand(group);
        parts.push(match EN_SCALES[scale] {
            "" => words,
            scale => format!("{words} {scale}"),
        });
    }
    parts.join(" ")
}

fn english(whole: u64, minor: u64, names: &Names) -> String {
    let unit = |n: u64, forms: &[String; 3]| {
        if n == 1 {
            forms[0].clone()
        } else {
            forms[1].clone()
        }
    };
    format!(
        "{} {} and {minor:02} {}",
        english_number(whole),
        unit(whole, &names.major),
        unit(minor, &names.minor)
    )
}

// ------------------------------------------------------------------ Russian

const RU_ONES_MASCULINE: [&str; 20] = [
    "ноль",
    "один",
    "два",
    "три",
    "четыре",
    "пять",
    "шесть",
    "семь",
    "восемь",
    "девять",
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
];
const RU_TENS: [&str; 10] = [
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
];
const RU_HUNDREDS: [&str; 10] = [
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
];
/// Thousands are feminine; the larger scales masculine.
const RU_SCALES: [([&str; 3], bool); 5] = [
    (["", "", ""], false),
    (["тысяча", "тысячи", "тысяч"], true),
    (["миллион", "миллиона", "миллионов"], false),
    (["миллиард", "миллиарда", "миллиардов"], false),
    (["триллион", "триллиона", "триллионов"], false),
];

/// Which of the three forms a count takes: 1, 21 → one; 2–4, 22–24 →
/// few; 0, 5–20, 25–30 → many.
fn russian_form(n: u64) -> usize {
    match (n % 10, n % 100) {
        (_, 11..=14) => 2,
        (1, _) => 0,
        (2..=4, _) => 1,
        _ => 2,
    }
}

fn russian_below_thousand(n: u64, feminine: bool) -> Vec<&'static str> {
    let mut parts = Vec::new();
    if n >= 100 {
        parts.push(RU_HUNDREDS[(n / 100) as usize]);
    }
    let rest = (n % 100) as usize;
    let ones = if rest >= 20 {
        parts.push(RU_TENS[rest / 10]);
        rest % 10
    } else {
        rest
    };
    if ones > 0 {
        let word = match (ones, feminine) {
            (1, true) => "одна",
            (2, true) => "две",
            _ => RU_ONES_MASCULINE[ones],
        };
        parts.push(word);
    }
    parts
}

fn russian_number(n: u64, feminine: bool) -> String {
    if n == 0 {
        return RU_ONES_MASCULINE[0].to_owned();
    }
    let mut parts = Vec::new();
    for (scale, group) in groups(n).into_iter().enumerate().rev() {
        if group == 0 {
            continue;
        }
        let (forms, scale_feminine) = RU_SCALES[scale];
        let gender = if scale == 0 { feminine } else { scale_feminine };
        parts.extend(russian_below_thousand(group, gender));
        if scale > 0 {
            parts.push(forms[russian_form(group)]);
        }
    }
    parts.join(" ")
}

fn russian(whole: u64, minor: u64, names: &Names) -> String {
    format!(
        "{} {} {minor:02} {}",
        russian_number(whole, names.major_feminine),
        names.major[russian_form(whole)],
        names.minor[russian_form(minor)]
    )
}

// ------------------------------------------------------------------- Arabic

const AR_ONES: [&str; 10] = [
    "صفر",
    "واحد",
    "اثنان",
    "ثلاثة",
    "أربعة",
    "خمسة",
    "ستة",
    "سبعة",
    "ثمانية",
    "تسعة",
];
const AR_TEENS: [&str; 10] = [
    "عشرة",
    "أحد عشر",
    "اثنا عشر",
    "ثلاثة عشر",
    "أربعة عشر",
    "خمسة عشر",
    "ستة عشر",
    "سبعة عشر",
    "ثمانية عشر",
    "تسعة عشر",
];
const AR_TENS: [&str; 10] = [
    "",
    "",
    "عشرون",
    "ثلاثون",
    "أربعون",
    "خمسون",
    "ستون",
    "سبعون",
    "ثمانون",
    "تسعون",
];
const AR_HUNDREDS: [&str; 10] = [
    "",
    "مائة",
    "مائتان",
    "ثلاثمائة",
    "أربعمائة",
    "خمسمائة",
    "ستمائة",
    "سبعمائة",
    "ثمانمائة",
    "تسعمائة",
];
/// Each scale: one, two (the dual), three to ten (plural), eleven to
/// ninety-nine (singular, accusative), and otherwise (singular).
const AR_SCALES: [[&str; 5]; 5] = [
    ["", "", "", "", ""],
    ["ألف", "ألفان", "آلاف", "ألفًا", "ألف"],
    ["مليون", "مليونان", "ملايين", "مليونًا", "مليون"],
    ["مليار", "ملياران", "مليارات", "مليارًا", "مليار"],
    ["تريليون", "تريليونان", "تريليونات", "تريليونًا", "تريليون"],
];

fn arabic_below_thousand(n: u64) -> Vec<String> {
    let mut parts = Vec::new();
    if n >= 100 {
        parts.push(AR_HUNDREDS[(n / 100) as usize].to_owned());
    }
    let rest = (n % 100) as usize;
    match rest {
        0 => {}
        1..=9 => parts.push(AR_ONES[rest].to_owned()),
        10..=19 => parts.push(AR_TEENS[rest - 10].to_owned()),
        // The ones come first: واحد وعشرون, twenty-one.
        _ => match rest % 10 {
            0 => parts.push(AR_TENS[rest / 10].to_owned()),
            ones => parts.push(format!("{} و{}", AR_ONES[ones], AR_TENS[rest / 10])),
        },
    }
    parts
}

/// One group of a scale above the units: ألف, ألفان, ثلاثة آلاف, أحد عشر
/// ألفًا, مائة ألف.
fn arabic_scaled(group: u64, forms: [&str; 5]) -> String {
    match group {
        1 => forms[0].to_owned(),
        2 => forms[1].to_owned(),
        3..=10 => format!("{} {}", arabic_below_thousand(group).join(" و"), forms[2]),
        _ => {
            let form = if (11..=99).contains(&(group % 100)) {
                forms[3]
            } else {
                forms[4]
            };
            format!("{} {form}", arabic_below_thousand(group).join(" و"))
        }
    }
}

fn arabic_number(n: u64) -> String {
    if n == 0 {
        return AR_ONES[0].to_owned();
    }
    let mut parts = Vec::new();
    for (scale, group) in groups(n).into_iter().enumerate().rev() {
        if group == 0 {
            continue;
        }
        if scale == 0 {
            parts.extend(arabic_below_thousand(group));
        } else {
            parts.push(arabic_scaled(group, AR_SCALES[scale]));
        }
    }
    // Every part after the first is joined by "and": ألف ومائتان وأربعة.
    parts.join(" و")
}

/// The hundredths are spelt too, and left out when there are none: digits
/// inside a right-to-left sentence are where readers (and text tools)
/// most often lose the order.
fn arabic(whole: u64, minor: u64, names: &Names) -> String {
    let major = format!("{} {}", arabic_number(whole), names.major[0]);
    match minor {
        0 => major,
        minor => format!("{major} و{} {}", arabic_number(minor), names.minor[0]),
    }
}

#[cfg(test)]
mod tests;
