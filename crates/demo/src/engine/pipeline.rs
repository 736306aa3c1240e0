//! Leads and deals in the demo: captured, qualified or disqualified,
//! converted, moved along the boards, won, lost and reopened.

use chrono::Days;
use domain::channel::ChannelKind;
use domain::ids::{DealId, LeadId, UserId};
use domain::parties::PartyCommand;
use domain::pipeline::{
    CaptureLead, DealCommand, DealStatus, EmailAddress, LeadCommand, LeadStatus, OpenDeal,
    PhoneNumber, Probability,
};
use domain::planning::Link;
use domain::values::Money;
use rand::Rng;
use rust_decimal::Decimal;

use crate::content::{self};

use super::{Action, DealSlot, Demo, LeadSlot, STEPS_MAX, pick, time};

impl Demo {
    pub(super) fn capture_lead(&mut self, index: u32, at: i64, by: UserId) {
        let slot = &self.parties[index as usize];
        let Some(state) = &slot.state else {
            return;
        };
        let name = state.name.display_name();
        let is_person = state.name.is_person();
        let email = state
            .channels
            .iter()
            .find(|channel| channel.kind == ChannelKind::Email)
            .map(|channel| channel.value.clone());
        let phone = state
            .channels
            .iter()
            .find(|channel| channel.kind == ChannelKind::MobilePhone)
            .map(|channel| channel.value.clone());
        let source = state.source.clone();
        let owner = state.owner;
        let known_party = self.chance(0.8);
        let title = self.word(content::LEAD_TITLES);
        let Some(title) = self.label(title) else {
            return;
        };
        let Some(name) = self.label(&name) else {
            return;
        };
        let (contact_name, company_name) = if is_person {
            (Some(name), None)
        } else {
            (None, Some(name))
        };
        let email = match email {
            Some(email) => self.valid(EmailAddress::parse("email", &email)),
            None => None,
        };
        let phone = match phone {
            Some(phone) => self.valid(PhoneNumber::parse("phone", &phone)),
            None => None,
        };
        let source = match source {
            Some(source) => self.label(&source),
            None => None,
        };
        let party = known_party.then_some(self.parties[index as usize].id);
        let command = LeadCommand::Capture(CaptureLead {
            title,
            contact_name,
            company_name,
            email,
            phone,
            party,
            source,
            owner,
        });
        let id = LeadId::from_uuid(self.uuid(at));
        self.leads.insert(
            id,
            LeadSlot {
                state: None,
                party: index,
                steps: 0,
            },
        );
        self.lead_command(id, at, by, command);
        if self.leads.get(&id).is_some_and(|slot| slot.state.is_some()) {
            self.parties[index as usize].open_lead = Some(id);
            let next = self.later(at, 4.0);
            self.schedule(next, Action::LeadStep(id));
        } else {
            self.leads.remove(&id);
        }
    }

    pub(super) fn lead_step(&mut self, id: LeadId, at: i64) {
        let Some(slot) = self.leads.get_mut(&id) else {
            return;
        };
        slot.steps += 1;
        let (index, steps) = (slot.party, slot.steps);
        let Some(state) = &slot.state else {
            return;
        };
        let owner = state.owner;
        let disqualified = matches!(state.status, LeadStatus::Disqualified { .. });
        let party_active = self.parties[index as usize].is_active();
        if disqualified {
            self.lead_command(id, at, owner, LeadCommand::Reopen);
            let next = self.later(at, 6.0);
            self.schedule(next, Action::LeadStep(id));
            return;
        }
        let roll = self.rng.random_range(0..100);
        if roll < 8 && steps < 4 {
            let owner = self.other_manager(owner);
            self.lead_command(id, at, owner, LeadCommand::AssignOwner(owner));
            let next = self.later(at, 3.0);
            self.schedule(next, Action::LeadStep(id));
        } else if roll < 62 && party_active && self.parties[index as usize].open_deal.is_none() {
            let Some(deal) = self.open_deal(index, at, owner, Some(id)) else {
                return;
            };
            let party = self.parties[index as usize].id;
            self.lead_command(id, at, owner, LeadCommand::Convert { deal, party });
            self.finish_lead(id, index);
        } else {
            let reason = self.word(content::LEAD_DISQUALIFY_REASONS);
            let Some(reason) = self.label(reason) else {
                return;
            };
            self.lead_command(id, at, owner, LeadCommand::Disqualify { reason });
            if steps < 3 && self.chance(0.1) {
                let next = self.later(at, 30.0);
                self.schedule(next, Action::LeadStep(id));
            } else {
                self.finish_lead(id, index);
            }
        }
    }

    pub(super) fn finish_lead(&mut self, id: LeadId, index: u32) {
        self.leads.remove(&id);
        let slot = &mut self.parties[index as usize];
        if slot.open_lead == Some(id) {
            slot.open_lead = None;
        }
    }

    // ------------------------------------------------------------ deals

    pub(super) fn open_deal(
        &mut self,
        index: u32,
        at: i64,
        by: UserId,
        lead: Option<LeadId>,
    ) -> Option<DealId> {
        let slot = &self.parties[index as usize];
        let state = slot.state.as_ref()?;
        let partner = state.tags.contains("partner");
        let region = slot.region;
        let party = slot.id;
        let owner = state.owner;
        let display_name = state.name.display_name();
        let board = if self.boards.len() > 1 && self.chance(if partner { 0.7 } else { 0.04 }) {
            1
        } else {
            0
        };
        let position = if lead.is_some() && self.chance(0.3) {
            1
        } else {
            0
        };
        let (pipeline, stage) = self.stage_at(board, position)?;
        let currency = *pick(&mut self.rng, region.currencies());
        let (low, high) = region.deal_amount_range(currency);
        let round = if currency == "RUB" { 10_000 } else { 100 };
        let amount = self.rng.random_range(low..high) / round * round;
        let amount = self.money(amount, currency)?;
        let product = self.word(content::PRODUCTS);
        let title = self.label(&format!("{product} — {display_name}"))?;
        let close_days = self.rng.random_range(20..120);
        let expected_close = time(at)
            .date_naive()
            .checked_add_days(Days::new(close_days));
        let id = DealId::from_uuid(self.uuid(at));
        let command = DealCommand::Open(OpenDeal {
            title,
            party,
            pipeline,
            stage,
            probability: None,
            amount,
            expected_close,
            owner,
            lead,
        });
        self.deals.insert(
            id,
            DealSlot {
                state: None,
                party: index,
                board,
                steps: 0,
            },
        );
        self.deal_commands(id, at, by, vec![command]);
        if self.deals.get(&id).is_none_or(|slot| slot.state.is_none()) {
            self.deals.remove(&id);
            return None;
        }
        self.parties[index as usize].open_deal = Some(id);
        let next = self.later(at, 8.0);
        self.schedule(next, Action::DealStep(id));
        Some(id)
    }

    pub(super) fn deal_step(&mut self, id: DealId, at: i64) {
        let Some(slot) = self.deals.get_mut(&id) else {
            return;
        };
        slot.steps += 1;
        let (index, board, steps) = (slot.party, slot.board, slot.steps);
        let Some(state) = &slot.state else {
            return;
        };
        let owner = state.owner;
        let status = state.status;
        let amount = state.amount;
        let current_stage = state.stage;
        let probability = state.probability;
        let expected_close = state.expected_close;
        let pipeline = state.pipeline;
        if status != DealStatus::Open {
            self.reopen_deal(id, index, board, at, owner);
            return;
        }
        let stage_count = self.stage_count(board);
        let position = self.boards[board]
            .state
            .as_ref()
            .and_then(|state| state.stage_ref(current_stage))
            .map_or(0, |stage| stage.position as usize);
        let mut commands = Vec::with_capacity(3);
        if self.chance(0.08) {
            let percent = self.rng.random_range(80..=120);
            let changed = amount.amount() * Decimal::from(percent) / Decimal::from(100);
            let hundred = Decimal::from(100);
            let changed = (changed / hundred).round() * hundred;
            if let Some(money) = self.valid(Money::parse("amount", changed, amount.currency())) {
                commands.push(DealCommand::ChangeAmount(money));
            }
        }
        if self.chance(0.05) {
            let pushed = expected_close
                .unwrap_or_else(|| time(at).date_naive())
                .checked_add_days(Days::new(self.rng.random_range(14..45)));
            commands.push(DealCommand::ChangeExpectedClose(pushed));
        }
        if self.chance(0.03) {
            let percent = i64::from(probability) + self.rng.random_range(-10..=10);
            if let Some(probability) =
                self.valid(Probability::parse("probability", percent.clamp(0, 100)))
            {
                commands.push(DealCommand::SetProbability(probability));
            }
        }
        if self.chance(0.015) {
            let other = self.other_manager(owner);
            commands.push(DealCommand::AssignOwner(other));
        }
        let roll = self.rng.random_range(0..100);
        let mut closed = false;
        let last = stage_count.saturating_sub(1);
        let lose = |this: &mut Self, commands: &mut Vec<DealCommand>| {
            let reason = this.word(content::LOSS_REASONS);
            if let Some(reason) = this.label(reason) {
                commands.push(DealCommand::Lose { reason });
            }
        };
        if steps >= STEPS_MAX {
            lose(self, &mut commands);
            closed = true;
        } else if position >= last {
            if roll < 88 {
                let final_amount = if self.chance(0.25) {
                    let discounted =
                        (amount.amount() * Decimal::from(95) / Decimal::from(100)).round_dp(0);
                    self.valid(Money::parse("amount", discounted, amount.currency()))
                } else {
                    None
                };
                let reason = if self.chance(0.5) {
                    let reason = self.word(content::WIN_REASONS);
                    self.label(reason)
                } else {
                    None
                };
                commands.push(DealCommand::Win {
                    amount: final_amount,
                    reason,
                });
            } else {
                lose(self, &mut commands);
            }
            closed = true;
        } else if roll < 16 {
            lose(self, &mut commands);
            closed = true;
        } else if roll < 86 {
            let skip = usize::from(self.chance(0.04) && position + 2 <= last);
            if let Some((pipeline, stage)) = self.stage_at(board, position + 1 + skip) {
                commands.push(DealCommand::MoveToStage {
                    pipeline,
                    stage,
                    probability: None,
                });
            }
        } else if roll < 89 && position > 0 {
            if let Some((pipeline, stage)) = self.stage_at(board, position - 1) {
                commands.push(DealCommand::MoveToStage {
                    pipeline,
                    stage,
                    probability: None,
                });
            }
        }
        debug_assert!(self.boards[board].id == pipeline);
        self.deal_commands(id, at, owner, commands);
        if closed {
            self.close_deal(id, index, at, owner);
        } else {
            let next = self.later(at, 9.0);
            self.schedule(next, Action::DealStep(id));
        }
    }

    pub(super) fn close_deal(&mut self, id: DealId, index: u32, at: i64, owner: UserId) {
        let won = self
            .deals
            .get(&id)
            .and_then(|slot| slot.state.as_ref())
            .is_some_and(|state| state.status == DealStatus::Won);
        let slot = &mut self.parties[index as usize];
        if slot.open_deal == Some(id) {
            slot.open_deal = None;
        }
        let reopen_chance = if won { 0.02 } else { 0.07 };
        if self.chance(reopen_chance) {
            let next = self.later(at, if won { 3.0 } else { 45.0 });
            self.schedule(next, Action::DealStep(id));
        } else {
            self.deals.remove(&id);
        }
        if won && self.parties[index as usize].is_active() {
            if self.chance(0.4)
                && let Some(tag) = self.tag("customer")
            {
                self.party_commands(index, at, owner, vec![PartyCommand::Tag(tag)]);
            }
            if self.chance(0.35) {
                let title =
                    self.word(&["Send the invoice", "Arrange delivery", "Collect feedback"]);
                self.create_task(at, owner, owner, title, Some(Link::Deal(id)));
            }
        }
    }

    pub(super) fn reopen_deal(
        &mut self,
        id: DealId,
        index: u32,
        board: usize,
        at: i64,
        owner: UserId,
    ) {
        let position = self.stage_count(board).saturating_sub(3);
        let Some((pipeline, stage)) = self.stage_at(board, position) else {
            self.deals.remove(&id);
            return;
        };
        self.deal_commands(
            id,
            at,
            owner,
            vec![DealCommand::Reopen {
                pipeline,
                stage,
                probability: None,
            }],
        );
        let slot = &mut self.parties[index as usize];
        if slot.open_deal.is_none() {
            slot.open_deal = Some(id);
        }
        let next = self.later(at, 8.0);
        self.schedule(next, Action::DealStep(id));
    }

    // ------------------------------------------------------------ tasks
}
