//! Every rule of a quote as given / when / then, and the promise that an
//! accepted quote becomes an order with its lines and prices to the cent.

use std::str::FromStr;

use chrono::Duration;
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::events::CrmEvent;
use crate::process::{Reaction, reactions};
use crate::sales::{Order, OrderEvent};
use crate::testing::{at, given, id, issue};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn eur() -> Currency {
    Currency::parse("currency", "EUR").unwrap()
}

/// The day of [`issue`]d commands: 2026-03-10.
fn today() -> NaiveDate {
    at(0).date_naive()
}

fn price(unit_price: &str) -> AgreedPrice {
    AgreedPrice {
        currency: eur(),
        list_price: dec("10"),
        unit_price: dec(unit_price),
        vat_percent: dec("20"),
        prices_include_vat: false,
    }
}

fn offer(product: u128, quantity: &str, unit_price: &str, discount: Option<&str>) -> QuoteLine {
    QuoteLine {
        product: id(product),
        quantity: Quantity::parse("quantity", dec(quantity)).unwrap(),
        discount_percent: discount.map(|d| VatRate::parse("discount_percent", dec(d)).unwrap()),
        price: price(unit_price),
        stock_tracked: product != 300,
    }
}

fn content(lines: Vec<QuoteLine>) -> Revision {
    Revision {
        lines,
        valid_until: today() + Duration::days(14),
        terms: Some(Text::parse("terms", "Delivery within 5 days").unwrap()),
    }
}

fn draft(revision: Revision) -> QuoteCommand {
    QuoteCommand::Draft(DraftQuote {
        quote: id(7),
        party: id(1),
        deal: Some(id(5)),
        price_list: id(2),
        currency: eur(),
        warehouse: id(3),
        branch: None,
        owner: id(4),
        revision,
    })
}

fn drafted() -> QuoteEvent {
    QuoteEvent::Drafted(QuoteDrafted {
        quote: id(7),
        party: id(1),
        deal: Some(id(5)),
        price_list: id(2),
        currency: eur(),
        warehouse: id(3),
        branch: None,
        owner: id(4),
    })
}

/// 3 of product 100 at 9.00 less 10 % (8.10 each), 1 of service 300 at
/// 50.00: net 74.30, VAT 14.86.
fn first_lines() -> Vec<QuotedLine> {
    vec![
        QuotedLine {
            line: 1,
            product: id(100),
            quantity: dec("3"),
            list_price: dec("10"),
            price: dec("9"),
            discount_percent: Some(dec("10")),
            unit_price: dec("8.1"),
            vat_percent: dec("20"),
            amounts: Amounts {
                net: dec("24.30"),
                vat: dec("4.86"),
                gross: dec("29.16"),
            },
            stock_tracked: true,
        },
        QuotedLine {
            line: 2,
            product: id(300),
            quantity: dec("1"),
            list_price: dec("10"),
            price: dec("50"),
            discount_percent: None,
            unit_price: dec("50"),
            vat_percent: dec("20"),
            amounts: Amounts {
                net: dec("50.00"),
                vat: dec("10.00"),
                gross: dec("60.00"),
            },
            stock_tracked: false,
        },
    ]
}

fn first_offer() -> Revision {
    content(vec![
        offer(100, "3", "9", Some("10")),
        offer(300, "1", "50", None),
    ])
}

fn revised(revision: u32, lines: Vec<QuotedLine>, valid_until: NaiveDate) -> QuoteEvent {
    let total = Amounts::sum(lines.iter().map(|line| &line.amounts));
    QuoteEvent::Revised(QuoteRevised {
        revision,
        lines,
        prices_include_vat: false,
        total,
        valid_until,
        terms: Some("Delivery within 5 days".to_owned()),
    })
}

fn first_revision() -> QuoteEvent {
    revised(1, first_lines(), today() + Duration::days(14))
}

fn total() -> Amounts {
    Amounts {
        net: dec("74.30"),
        vat: dec("14.86"),
        gross: dec("89.16"),
    }
}

fn sent() -> QuoteEvent {
    QuoteEvent::Sent(QuoteSent {
        revision: 1,
        deal: Some(id(5)),
        currency: eur(),
        total: total(),
    })
}

fn accepted() -> QuoteEvent {
    QuoteEvent::Accepted(QuoteAccepted {
        revision: 1,
        order: id(8),
        party: id(1),
        deal: Some(id(5)),
        price_list: id(2),
        currency: eur(),
        warehouse: id(3),
        branch: None,
        owner: id(4),
        prices_include_vat: false,
        lines: first_lines(),
        total: total(),
    })
}

fn reason(text: &str) -> Label {
    Label::parse("reason", text).unwrap()
}

/// A quote whose validity ended the day before [`issue`]d commands.
fn lapsed() -> Vec<QuoteEvent> {
    vec![
        drafted(),
        revised(1, first_lines(), today() - Duration::days(1)),
    ]
}

// ------------------------------------------------------------- drafting

#[test]
fn a_draft_records_the_quote_and_its_first_revision_priced_per_line() {
    given::<Quote>([])
        .when(issue(draft(first_offer())))
        .then(vec![drafted(), first_revision()]);
}

#[test]
fn a_quote_is_drafted_once() {
    given::<Quote>([drafted(), first_revision()])
        .when(issue(draft(first_offer())))
        .then_rejected("quote.already_drafted");
}

#[test]
fn a_quote_without_lines_is_refused() {
    given::<Quote>([])
        .when(issue(draft(content(Vec::new()))))
        .then_rejected("quote.no_lines");
}

#[test]
fn a_quote_with_too_many_lines_is_refused() {
    let lines = (0..=QUOTE_LINES_MAX)
        .map(|_| offer(100, "1", "9", None))
        .collect();
    given::<Quote>([])
        .when(issue(draft(content(lines))))
        .then_rejected("quote.too_many_lines");
}

#[test]
fn a_validity_date_in_the_past_is_refused_by_field() {
    let mut revision = first_offer();
    revision.valid_until = today() - Duration::days(1);
    given::<Quote>([])
        .when(issue(draft(revision)))
        .then_invalid("valid_until");
}

#[test]
fn a_line_priced_in_another_currency_is_refused() {
    let mut line = offer(100, "1", "9", None);
    line.price.currency = Currency::parse("currency", "USD").unwrap();
    given::<Quote>([])
        .when(issue(draft(content(vec![line]))))
        .then_rejected("quote.currency_mismatch");
}

#[test]
fn lines_from_two_price_lists_are_refused() {
    let mut second = offer(200, "1", "9", None);
    second.price.prices_include_vat = true;
    given::<Quote>([])
        .when(issue(draft(content(vec![
            offer(100, "1", "9", None),
            second,
        ]))))
        .then_invalid("lines[1]");
}

#[test]
fn a_blank_terms_text_is_recorded_as_none() {
    let mut revision = content(vec![offer(300, "1", "50", None)]);
    revision.terms = Some(Text::parse("terms", "   ").unwrap());
    let events = Quote::decide(&None, &issue(draft(revision))).unwrap();
    let QuoteEvent::Revised(revised) = &events[1] else {
        panic!("expected a revision, got {events:?}");
    };
    assert_eq!(revised.terms, None);
}

#[test]
fn a_command_on_a_quote_never_drafted_is_not_found() {
    given::<Quote>([])
        .when(issue(QuoteCommand::Send))
        .then_not_found();
}

// ------------------------------------------------------------- revising

#[test]
fn a_revision_replaces_the_lines_and_numbers_itself() {
    let valid_until = today() + Duration::days(30);
    let mut revision = content(vec![offer(300, "2", "45", None)]);
    revision.valid_until = valid_until;
    let line = QuotedLine {
        line: 1,
        product: id(300),
        quantity: dec("2"),
        list_price: dec("10"),
        price: dec("45"),
        discount_percent: None,
        unit_price: dec("45"),
        vat_percent: dec("20"),
        amounts: Amounts {
            net: dec("90.00"),
            vat: dec("18.00"),
            gross: dec("108.00"),
        },
        stock_tracked: false,
    };
    given::<Quote>([drafted(), first_revision(), sent()])
        .when(issue(QuoteCommand::Revise(revision)))
        .then(vec![revised(2, vec![line], valid_until)]);
}

#[test]
fn a_revised_quote_is_a_draft_again_until_it_is_sent() {
    let history = [
        drafted(),
        first_revision(),
        sent(),
        revised(2, first_lines(), today() + Duration::days(3)),
    ];
    given::<Quote>(history.clone())
        .when(issue(QuoteCommand::Accept { order: id(8) }))
        .then_rejected("quote.not_sent");
    let mut sent_again = sent();
    if let QuoteEvent::Sent(sent) = &mut sent_again {
        sent.revision = 2;
    }
    given::<Quote>(history)
        .when(issue(QuoteCommand::Send))
        .then(vec![sent_again]);
}

#[test]
fn an_answered_quote_is_not_revised() {
    for answer in [
        accepted(),
        QuoteEvent::Declined(QuoteDeclined {
            revision: 1,
            reason: "too dear".to_owned(),
            deal: Some(id(5)),
        }),
    ] {
        given::<Quote>([drafted(), first_revision(), sent(), answer])
            .when(issue(QuoteCommand::Revise(first_offer())))
            .then_rejected("quote.closed");
    }
}

#[test]
fn an_expired_quote_is_not_revised() {
    let mut history = lapsed();
    history.push(QuoteEvent::Expired(QuoteExpired {
        revision: 1,
        valid_until: today() - Duration::days(1),
    }));
    given::<Quote>(history)
        .when(issue(QuoteCommand::Revise(first_offer())))
        .then_rejected("quote.closed");
}

#[test]
fn a_quote_has_at_most_so_many_revisions() {
    let mut history = vec![drafted()];
    history.extend(
        (1..=QUOTE_REVISIONS_MAX)
            .map(|number| revised(number, first_lines(), today() + Duration::days(1))),
    );
    given::<Quote>(history)
        .when(issue(QuoteCommand::Revise(first_offer())))
        .then_rejected("quote.too_many_revisions");
}

// --------------------------------------------------------------- sending

#[test]
fn sending_carries_the_total_for_the_deal() {
    given::<Quote>([drafted(), first_revision()])
        .when(issue(QuoteCommand::Send))
        .then(vec![sent()]);
}

#[test]
fn sending_twice_changes_nothing() {
    given::<Quote>([drafted(), first_revision(), sent()])
        .when(issue(QuoteCommand::Send))
        .then_nothing();
}

#[test]
fn a_quote_past_its_validity_is_not_sent() {
    given::<Quote>(lapsed())
        .when(issue(QuoteCommand::Send))
        .then_rejected("quote.expired");
}

// ------------------------------------------------------------- answering

#[test]
fn an_accepted_quote_carries_the_order_it_becomes() {
    given::<Quote>([drafted(), first_revision(), sent()])
        .when(issue(QuoteCommand::Accept { order: id(8) }))
        .then(vec![accepted()]);
}

#[test]
fn a_draft_is_not_accepted() {
    given::<Quote>([drafted(), first_revision()])
        .when(issue(QuoteCommand::Accept { order: id(8) }))
        .then_rejected("quote.not_sent");
}

#[test]
fn accepting_again_for_the_same_order_changes_nothing_and_for_another_is_refused() {
    given::<Quote>([drafted(), first_revision(), sent(), accepted()])
        .when(issue(QuoteCommand::Accept { order: id(8) }))
        .then_nothing();
    given::<Quote>([drafted(), first_revision(), sent(), accepted()])
        .when(issue(QuoteCommand::Accept { order: id(9) }))
        .then_rejected("quote.closed");
}

#[test]
fn a_quote_past_its_validity_is_not_accepted() {
    let mut history = lapsed();
    history.push(QuoteEvent::Sent(QuoteSent {
        revision: 1,
        deal: Some(id(5)),
        currency: eur(),
        total: total(),
    }));
    given::<Quote>(history)
        .when(issue(QuoteCommand::Accept { order: id(8) }))
        .then_rejected("quote.expired");
}

#[test]
fn a_declined_quote_keeps_the_reason_and_names_the_deal() {
    let declined = QuoteEvent::Declined(QuoteDeclined {
        revision: 1,
        reason: "too dear".to_owned(),
        deal: Some(id(5)),
    });
    given::<Quote>([drafted(), first_revision(), sent()])
        .when(issue(QuoteCommand::Decline {
            reason: reason("too dear"),
        }))
        .then(vec![declined.clone()]);
    given::<Quote>([drafted(), first_revision(), sent(), declined])
        .when(issue(QuoteCommand::Decline {
            reason: reason("again"),
        }))
        .then_nothing();
    given::<Quote>([drafted(), first_revision(), sent(), accepted()])
        .when(issue(QuoteCommand::Decline {
            reason: reason("too late"),
        }))
        .then_rejected("quote.closed");
}

// --------------------------------------------------------------- expiring

#[test]
fn a_quote_expires_only_after_its_last_valid_day() {
    given::<Quote>([drafted(), revised(1, first_lines(), today())])
        .when(issue(QuoteCommand::Expire))
        .then_rejected("quote.still_valid");
    given::<Quote>(lapsed())
        .when(issue(QuoteCommand::Expire))
        .then(vec![QuoteEvent::Expired(QuoteExpired {
            revision: 1,
            valid_until: today() - Duration::days(1),
        })]);
}

#[test]
fn expiring_twice_changes_nothing_and_an_accepted_quote_never_expires() {
    let mut history = lapsed();
    history.push(QuoteEvent::Expired(QuoteExpired {
        revision: 1,
        valid_until: today() - Duration::days(1),
    }));
    given::<Quote>(history)
        .when(issue(QuoteCommand::Expire))
        .then_nothing();
    let accepted_later = Issued::new(
        crate::testing::user(),
        at(60 * 24 * 30),
        QuoteCommand::Expire,
    );
    given::<Quote>([drafted(), first_revision(), sent(), accepted()])
        .when(accepted_later)
        .then_rejected("quote.closed");
}

#[test]
fn statuses_have_stable_keys() {
    for status in QuoteStatus::ALL {
        assert_eq!(QuoteStatus::parse(status.key()), Some(status));
    }
    assert_eq!(QuoteStatus::parse("won"), None);
    assert!(QuoteStatus::Sent.is_open() && !QuoteStatus::Expired.is_open());
}

// ------------------------------------------------- the order it becomes

/// The events of the order an accepted quote's reactions make, decided one
/// after another as the process manager runs them.
fn order_of(accepted: &QuoteAccepted) -> Vec<OrderEvent> {
    let caused = reactions(
        Uuid::from_u128(99),
        Uuid::from_u128(7),
        at(0),
        &CrmEvent::Quote(QuoteEvent::Accepted(accepted.clone())),
    );
    let mut state = None;
    let mut events = Vec::new();
    for caused in caused {
        let Reaction::Order { order, command } = caused.reaction else {
            panic!("an accepted quote causes only order commands");
        };
        assert_eq!(order, accepted.order);
        let decided = Order::decide(&state, &issue(command)).unwrap();
        for event in &decided {
            state = Order::evolve(state, event);
        }
        events.extend(decided);
    }
    events
}

#[test]
fn an_accepted_quote_becomes_an_order_confirmed_at_the_quoted_prices() {
    let QuoteEvent::Accepted(accepted) = accepted() else {
        unreachable!()
    };
    let events = order_of(&accepted);
    let Some(OrderEvent::Confirmed(confirmed)) = events.last() else {
        panic!("expected the order confirmed last, got {events:?}");
    };
    assert_eq!(confirmed.total, total());
    assert_eq!(confirmed.deal, Some(id(5)));
    let units: Vec<_> = confirmed.lines.iter().map(|l| l.unit_price).collect();
    assert_eq!(units, vec![dec("8.1"), dec("50")]);
    assert!(confirmed.lines[0].reservation.is_some());
    assert!(confirmed.lines[1].reservation.is_none(), "a service");
}

fn any_offer() -> impl Strategy<Value = QuoteLine> {
    (
        1u128..5,
        1i64..100_000,
        0u32..4,
        1i64..10_000_000,
        prop::option::of(0i64..=10_000),
        prop::sample::select(vec!["0", "10", "20", "7.5"]),
    )
        .prop_map(|(product, quantity, scale, price, discount, vat)| {
            let mut line = offer(product, "1", "1", None);
            line.quantity = Quantity::parse("quantity", Decimal::new(quantity, scale)).unwrap();
            line.price.unit_price = Decimal::new(price, 4);
            line.price.vat_percent = dec(vat);
            line.discount_percent =
                discount.map(|d| VatRate::parse("discount_percent", Decimal::new(d, 2)).unwrap());
            line
        })
}

proptest! {
    /// Whatever the lines, the order an accepted quote becomes has the
    /// quote's lines, unit prices and totals to the cent.
    #[test]
    fn the_order_of_an_accepted_quote_has_its_totals_to_the_cent(
        lines in prop::collection::vec(any_offer(), 1..12),
        include_vat in any::<bool>(),
    ) {
        let lines: Vec<QuoteLine> = lines
            .into_iter()
            .map(|mut line| {
                line.price.prices_include_vat = include_vat;
                line
            })
            .collect();
        let mut state = None;
        for event in Quote::decide(&state, &issue(draft(content(lines)))).unwrap() {
            state = Quote::evolve(state, &event);
        }
        for command in [QuoteCommand::Send, QuoteCommand::Accept { order: id(8) }] {
            for event in Quote::decide(&state, &issue(command)).unwrap() {
                state = Quote::evolve(state, &event);
            }
        }
        let quote = state.unwrap();
        let accepted = QuoteAccepted {
            revision: 1,
            order: id(8),
            party: quote.drafted.party,
            deal: quote.drafted.deal,
            price_list: quote.drafted.price_list,
            currency: quote.drafted.currency,
            warehouse: quote.drafted.warehouse,
            branch: None,
            owner: quote.drafted.owner,
            prices_include_vat: quote.current.prices_include_vat,
            lines: quote.current.lines.clone(),
            total: quote.current.total,
        };
        let events = order_of(&accepted);
        let Some(OrderEvent::Confirmed(confirmed)) = events.last() else {
            panic!("expected the order confirmed last, got {events:?}");
        };
        prop_assert_eq!(confirmed.total, quote.current.total);
        prop_assert_eq!(confirmed.lines.len(), quote.current.lines.len());
        for (ordered, quoted) in confirmed.lines.iter().zip(&quote.current.lines) {
            prop_assert_eq!(ordered.product, quoted.product);
            prop_assert_eq!(ordered.quantity, quoted.quantity);
            prop_assert_eq!(ordered.unit_price, quoted.unit_price);
            prop_assert_eq!(ordered.amounts, quoted.amounts);
        }
    }
}
