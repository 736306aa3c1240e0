//! Customers in the demo: companies and people registered with their
//! channels, addresses and custom fields, touched, changed and merged.

use std::fmt::Write as _;

use chrono::NaiveDate;
use domain::channel::ChannelKind;
use domain::ids::{PartyId, UserId};
use domain::parties::{CustomValue, FieldKey, PartyCommand, PartyName, PartyStatus, RegisterParty};
use rand::Rng;
use rust_decimal::Decimal;

use crate::content::{self, Culture, Region};

use super::{Action, DAY_SECONDS, Demo, HOUR_SECONDS, PartySlot, pick};

impl Demo {
    pub(super) fn register(&mut self, index: u32, at: i64) {
        debug_assert_eq!(index as usize, self.parties.len());
        let culture = match self.rng.random_range(0..100) {
            0..45 => Culture::English,
            45..80 => Culture::Russian,
            _ => Culture::Arabic,
        };
        let region = match culture {
            Culture::English if self.chance(0.4) => Region::Germany,
            Culture::English => Region::Britain,
            Culture::Russian if self.chance(0.05) => Region::Germany,
            Culture::Russian => Region::Russia,
            Culture::Arabic => Region::Emirates,
        };
        let contact_gap_days = match self.rng.random_range(0..10) {
            0..2 => 10.0,
            2..7 => 28.0,
            _ => 80.0,
        };
        let id = PartyId::from_uuid(self.uuid(at));
        self.parties.push(PartySlot {
            id,
            state: None,
            region,
            culture,
            given: 0,
            surname: 0,
            domain: None,
            contact_gap_days,
            open_deal: None,
            open_lead: None,
        });
        let owner = self.manager();
        if self.chance(0.3) {
            self.register_company(index, at, owner);
        } else {
            self.register_person(index, at, owner);
        }
        if self.parties[index as usize].state.is_none() {
            return;
        }
        if self.parties[index as usize].is_company() {
            self.companies.push(index);
        }
        let next = self.later(at, 3.0);
        self.schedule(next, Action::Touch(index));
    }

    pub(super) fn company_name(&mut self, region: Region) -> (String, String, String) {
        match region {
            Region::Britain => {
                let root = self.word(content::ENGLISH_COMPANY_ROOTS);
                let trade = self.word(content::ENGLISH_COMPANY_TRADES);
                let name = format!("{root} {trade}");
                let domain = format!("{}{}.co.uk", root.to_lowercase(), trade.to_lowercase());
                (format!("{name} Ltd"), name, domain)
            }
            Region::Germany => {
                let root = self.word(content::GERMAN_COMPANY_ROOTS);
                let trade = self.word(content::GERMAN_COMPANY_TRADES);
                let name = format!("{root} {trade}");
                let domain = format!("{}-{}.de", root.to_lowercase(), trade.to_lowercase())
                    .replace('ß', "ss");
                (format!("{name} GmbH"), name, domain)
            }
            Region::Russia => {
                let (root, root_latin) = *pick(&mut self.rng, content::RUSSIAN_COMPANY_ROOTS);
                let (trade, trade_latin) = *pick(&mut self.rng, content::RUSSIAN_COMPANY_TRADES);
                let name = format!("{root}{trade}");
                let domain = format!("{root_latin}{trade_latin}.ru");
                (format!("ООО «{name}»"), name, domain)
            }
            Region::Emirates => {
                let root = self.word(content::EMIRATI_COMPANY_ROOTS);
                let trade = self.word(content::EMIRATI_COMPANY_TRADES);
                let name = format!("{root} {trade}");
                let domain = format!(
                    "{}.ae",
                    name.to_lowercase().replace("general ", "").replace(' ', "")
                );
                let form = if self.chance(0.3) { "FZE" } else { "LLC" };
                (format!("{name} {form}"), name, domain)
            }
        }
    }

    pub(super) fn postal_address(&mut self, region: Region) -> String {
        let region_index = region.index();
        let street = *pick(&mut self.rng, content::STREETS[region_index]);
        let (city, postcode) = *pick(&mut self.rng, content::CITIES[region_index]);
        let country = content::COUNTRIES[region_index];
        let number = self.rng.random_range(1..180);
        let mut address = String::with_capacity(96);
        // Writing into a String cannot fail.
        let _ = match region {
            Region::Britain => {
                let letters = [
                    b'A' + self.rng.random_range(0..26u8),
                    b'B' + self.rng.random_range(0..24u8),
                ];
                write!(
                    address,
                    "{number} {street}\n{city} {postcode} {}{}{}\n{country}",
                    self.rng.random_range(1..10),
                    char::from(letters[0]),
                    char::from(letters[1]),
                )
            }
            Region::Germany => {
                let code = self.rng.random_range(100..1000);
                write!(
                    address,
                    "{street} {number}\n{postcode}{code} {city}\n{country}"
                )
            }
            Region::Russia => {
                let office = self.rng.random_range(1..500);
                let mut code = String::from(postcode);
                let missing = 6u32.saturating_sub(u32::try_from(code.len()).unwrap_or(6));
                self.digits(&mut code, missing);
                write!(
                    address,
                    "{street}, д. {number}, офис {office}\n{city}, {code}\n{country}"
                )
            }
            Region::Emirates => {
                let office = self.rng.random_range(101..3000);
                write!(address, "Office {office}, {street}\n{city}\n{country}")
            }
        };
        address
    }

    pub(super) fn register_company(&mut self, index: u32, at: i64, owner: UserId) {
        let region = self.parties[index as usize].region;
        let (legal_name, name, domain) = self.company_name(region);
        let (Some(name), Some(legal_name)) = (self.label(&name), self.label(&legal_name)) else {
            return;
        };
        let source = if self.chance(0.85) {
            let source = self.word(content::SOURCES);
            self.label(source)
        } else {
            None
        };
        let branch = Some(self.branches[region.index()]);
        let mut commands = vec![PartyCommand::Register(RegisterParty {
            name: PartyName::Company {
                name,
                legal_name: Some(legal_name),
            },
            company: None,
            job_title: None,
            source,
            owner,
            branch,
        })];
        let website = format!("www.{domain}");
        let work_phone = self.phone(region, false);
        let address = self.postal_address(region);
        let mut channels = vec![
            (ChannelKind::Website, website),
            (ChannelKind::WorkPhone, work_phone),
            (ChannelKind::PostalAddress, address),
        ];
        if self.chance(0.6) {
            let mailbox = self.word(&["info", "sales", "office", "hello"]);
            channels.push((ChannelKind::Email, format!("{mailbox}@{domain}")));
        }
        for (kind, value) in channels {
            self.add_channel_command(&mut commands, at, kind, &value, None);
        }
        for _ in 0..self.rng.random_range(0..3) {
            let tag = self.word(content::COMPANY_TAGS);
            if let Some(tag) = self.tag(tag) {
                commands.push(PartyCommand::Tag(tag));
            }
        }
        if self.chance(0.6) {
            let industry = self.word(content::INDUSTRIES);
            self.custom_field(
                &mut commands,
                "industry",
                CustomValue::Text(industry.to_owned()),
            );
        }
        if self.chance(0.4) {
            let employees = Decimal::from(self.rng.random_range(5..2_000));
            self.custom_field(&mut commands, "employees", CustomValue::Number(employees));
        }
        if self.chance(0.3) {
            self.custom_field(&mut commands, "vat_payer", CustomValue::Flag(true));
        }
        self.parties[index as usize].domain = Some(domain.into_boxed_str());
        self.party_commands(index, at, owner, commands);
    }

    pub(super) fn custom_field(
        &mut self,
        commands: &mut Vec<PartyCommand>,
        key: &str,
        value: CustomValue,
    ) {
        if let Some(key) = self.valid(FieldKey::parse("key", key)) {
            commands.push(PartyCommand::SetCustomField { key, value });
        }
    }

    pub(super) fn add_channel_command(
        &mut self,
        commands: &mut Vec<PartyCommand>,
        at: i64,
        kind: ChannelKind,
        raw: &str,
        label: Option<&str>,
    ) {
        let channel_id = self.uuid(at).into();
        let label = match label {
            Some(label) => self.label(label),
            None => None,
        };
        if let Some(channel) = self.channel(kind, raw) {
            commands.push(PartyCommand::AddChannel {
                channel_id,
                channel,
                label,
            });
        }
    }

    /// A person's name in their own script and the Latin spelling of their
    /// given name and surname.
    pub(super) fn person_name(slot: &PartySlot) -> (String, &'static str, String, String) {
        let given = &slot.culture.given_names()[usize::from(slot.given)];
        let surname = &slot.culture.surnames()[usize::from(slot.surname)];
        if slot.culture == Culture::Russian && given.female {
            (
                given.native.to_owned(),
                given.latin,
                format!("{}а", surname.native),
                format!("{}a", surname.latin),
            )
        } else {
            (
                given.native.to_owned(),
                given.latin,
                surname.native.to_owned(),
                surname.latin.to_owned(),
            )
        }
    }

    pub(super) fn register_person(&mut self, index: u32, at: i64, owner: UserId) {
        let people_so_far = self.parties.len() - self.companies.len() - 1;
        // About one person in eighty is registered twice, by someone who did
        // not search first; a manager merges the two later.
        let duplicate_of = if people_so_far > 20 && self.chance(0.012) {
            let candidate = self.rng.random_range(0..index);
            let slot = &self.parties[candidate as usize];
            (slot.is_active() && !slot.is_company()).then_some(candidate)
        } else {
            None
        };
        let culture = self.parties[index as usize].culture;
        let (given, surname) = match duplicate_of {
            Some(original) => {
                let original = &self.parties[original as usize];
                let copied = (original.culture, original.region);
                let name = (original.given, original.surname);
                let slot = &mut self.parties[index as usize];
                (slot.culture, slot.region) = copied;
                name
            }
            None => (
                self.rng
                    .random_range(0..u8::try_from(culture.given_names().len()).unwrap_or(1)),
                self.rng
                    .random_range(0..u8::try_from(culture.surnames().len()).unwrap_or(1)),
            ),
        };
        let slot = &mut self.parties[index as usize];
        slot.given = given;
        slot.surname = surname;
        let (region, culture) = (slot.region, slot.culture);
        let (first_name, given_latin, last_name, surname_latin) = Self::person_name(slot);

        let company = if duplicate_of.is_none() && !self.companies.is_empty() && self.chance(0.55) {
            let company = *pick(&mut self.rng, &self.companies);
            self.parties[company as usize]
                .is_active()
                .then_some(company)
        } else {
            None
        };
        let owner = match company {
            Some(company) if self.chance(0.8) => self.parties[company as usize]
                .state
                .as_ref()
                .map_or(owner, |state| state.owner),
            _ => owner,
        };
        let job_title = match company {
            Some(_) => {
                let title = if culture == Culture::Russian && self.chance(0.7) {
                    self.word(content::RUSSIAN_JOB_TITLES)
                } else {
                    self.word(content::JOB_TITLES)
                };
                self.label(title)
            }
            None => None,
        };
        let source = if self.chance(0.8) {
            let source = self.word(content::SOURCES);
            self.label(source)
        } else {
            None
        };
        let (Some(first_name), Some(last_name)) = (self.label(&first_name), self.label(&last_name))
        else {
            return;
        };
        let mut commands = vec![PartyCommand::Register(RegisterParty {
            name: PartyName::Person {
                first_name,
                last_name: Some(last_name),
            },
            company: company.map(|company| self.parties[company as usize].id),
            job_title,
            source,
            owner,
            branch: Some(self.branches[region.index()]),
        })];

        if self.chance(0.85) || duplicate_of.is_some() {
            let company_domain = company
                .and_then(|company| self.parties[company as usize].domain.clone())
                .filter(|_| duplicate_of.is_none());
            let email = match company_domain {
                Some(domain) => format!("{given_latin}.{surname_latin}@{domain}"),
                None => {
                    let domain = self.word(region.personal_mail_domains());
                    let number = self.rng.random_range(1..100);
                    match self.rng.random_range(0..3) {
                        0 => format!("{given_latin}.{surname_latin}@{domain}"),
                        1 => format!("{given_latin}{surname_latin}{number}@{domain}"),
                        _ => format!("{given_latin}_{surname_latin}.{number}@{domain}"),
                    }
                }
            };
            self.add_channel_command(&mut commands, at, ChannelKind::Email, &email, None);
        }
        let mobile = self.phone(region, true);
        if self.chance(0.75) {
            self.add_channel_command(&mut commands, at, ChannelKind::MobilePhone, &mobile, None);
        }
        let telegram_share = if culture == Culture::Russian {
            0.3
        } else {
            0.08
        };
        if self.chance(telegram_share) {
            let handle = if self.chance(0.7) {
                format!("@{given_latin}_{surname_latin}")
            } else {
                mobile.clone()
            };
            self.add_channel_command(&mut commands, at, ChannelKind::Telegram, &handle, None);
        }
        let whatsapp_share = if culture == Culture::Arabic {
            0.45
        } else {
            0.08
        };
        if self.chance(whatsapp_share) {
            self.add_channel_command(&mut commands, at, ChannelKind::WhatsApp, &mobile, None);
        }
        if company.is_some() && self.chance(0.2) {
            let office = self.phone(region, false);
            self.add_channel_command(
                &mut commands,
                at,
                ChannelKind::WorkPhone,
                &office,
                Some("office"),
            );
        }
        if self.chance(0.25) {
            let tag = self.word(content::PERSON_TAGS);
            if let Some(tag) = self.tag(tag) {
                commands.push(PartyCommand::Tag(tag));
            }
        }
        self.party_commands(index, at, owner, commands);
        if let Some(survivor) = duplicate_of {
            let when = self.later(at, 12.0);
            self.schedule(
                when,
                Action::Merge {
                    duplicate: index,
                    survivor,
                },
            );
        }
    }

    pub(super) fn merge(&mut self, duplicate: u32, survivor: u32, at: i64) {
        if !self.parties[duplicate as usize].is_active()
            || !self.parties[survivor as usize].is_active()
        {
            return;
        }
        let by = self.parties[survivor as usize]
            .state
            .as_ref()
            .map_or(self.managers[0], |state| state.owner);
        let duplicate_id = self.parties[duplicate as usize].id;
        let survivor_id = self.parties[survivor as usize].id;
        self.party_commands(
            survivor,
            at,
            by,
            vec![PartyCommand::AbsorbDuplicate {
                duplicate: duplicate_id,
            }],
        );
        self.party_commands(
            duplicate,
            at,
            by,
            vec![PartyCommand::MergeInto {
                duplicate: duplicate_id,
                survivor: survivor_id,
            }],
        );
    }

    /// A manager gets in touch with a party, or works on its record.
    pub(super) fn touch(&mut self, index: u32, at: i64) {
        let slot = &self.parties[index as usize];
        let Some(state) = &slot.state else {
            return;
        };
        let gap = f64::from(slot.contact_gap_days);
        let owner = state.owner;
        let status = state.status.clone();
        let has_deal = slot.open_deal.is_some();
        let has_lead = slot.open_lead.is_some();
        match status {
            PartyStatus::Merged { .. } => return,
            PartyStatus::Archived => {
                if self.chance(0.15) {
                    self.party_commands(index, at, owner, vec![PartyCommand::Restore]);
                }
                let next = self.later(at, 120.0);
                self.schedule(next, Action::Touch(index));
                return;
            }
            PartyStatus::Active => {}
        }
        let by = if self.chance(0.88) {
            owner
        } else {
            self.manager()
        };
        match self.rng.random_range(0..1000) {
            0..300 => self.log_call(index, at, by),
            300..520 => self.log_email(index, at, by),
            520..580 => self.log_meeting(index, at, by, None, None),
            580..690 => {
                if self.chance(0.25) {
                    // Written up a few days after it happened.
                    let issued_at = at + self.rng.random_range(HOUR_SECONDS..4 * DAY_SECONDS);
                    self.backdated_note(index, at, issued_at);
                } else {
                    self.log_note(index, at, at, by);
                }
            }
            690..790 => self.create_task_for(index, at, by),
            790..850 => self.schedule_meeting(index, at, by),
            850..900 if !has_deal && !has_lead => self.capture_lead(index, at, by),
            900..935 if !has_deal => {
                self.open_deal(index, at, by, None);
            }
            935..992 => self.change_party(index, at, by),
            992..997 if !has_deal && !has_lead => {
                let reason = self.word(content::ARCHIVE_REASONS);
                let reason = self.label(reason);
                self.party_commands(index, at, by, vec![PartyCommand::Archive { reason }]);
            }
            _ => self.log_call(index, at, by),
        }
        let next = self.later(at, gap);
        self.schedule(next, Action::Touch(index));
    }

    pub(super) fn change_party(&mut self, index: u32, at: i64, by: UserId) {
        let slot = &self.parties[index as usize];
        let Some(state) = &slot.state else {
            return;
        };
        let is_person = state.name.is_person();
        let region = slot.region;
        let mut commands = Vec::with_capacity(2);
        match self.rng.random_range(0..100) {
            0..25 => {
                let tags = if is_person {
                    content::PERSON_TAGS
                } else {
                    content::COMPANY_TAGS
                };
                let raw = self.word(tags);
                let Some(tag) = self.tag(raw) else {
                    return;
                };
                if self.parties[index as usize]
                    .state
                    .as_ref()
                    .is_some_and(|state| state.tags.contains(tag.as_str()))
                {
                    commands.push(PartyCommand::Untag(tag));
                } else {
                    commands.push(PartyCommand::Tag(tag));
                }
            }
            25..45 => self.change_channels(index, at, &mut commands),
            45..57 => {
                let owner = state.owner;
                let owner = self.other_manager(owner);
                commands.push(PartyCommand::AssignOwner(owner));
            }
            57..67 if is_person => {
                let current = state.company;
                if current.is_some() && self.chance(0.4) {
                    commands.push(PartyCommand::LeaveCompany);
                } else if !self.companies.is_empty() {
                    let company = *pick(&mut self.rng, &self.companies);
                    let company_slot = &self.parties[company as usize];
                    if company_slot.is_active() && Some(company_slot.id) != current {
                        let company = company_slot.id;
                        let title = self.word(content::JOB_TITLES);
                        let job_title = self.label(title);
                        commands.push(PartyCommand::JoinCompany { company, job_title });
                    }
                }
            }
            67..77 => {
                if is_person {
                    let year = self.rng.random_range(1960..2002);
                    let ordinal = self.rng.random_range(1..366);
                    if let Some(date) = NaiveDate::from_yo_opt(year, ordinal) {
                        self.custom_field(&mut commands, "birthday", CustomValue::Date(date));
                    }
                } else {
                    let currency = region.currencies()[0];
                    let (low, high) = region.deal_amount_range(currency);
                    let limit = self.rng.random_range(low..high) / 1_000 * 1_000;
                    if let Some(money) = self.money(limit, currency) {
                        self.custom_field(&mut commands, "credit_limit", CustomValue::Money(money));
                    }
                }
            }
            77..85 => {
                let source = self.word(content::SOURCES);
                let source = self.label(source);
                commands.push(PartyCommand::SetSource(source));
            }
            85..90 => {
                let branch = *pick(&mut self.rng, &self.branches);
                commands.push(PartyCommand::MoveToBranch(Some(branch)));
            }
            90..95 => {
                let secondary = state
                    .channels
                    .iter()
                    .find(|channel| !channel.primary)
                    .map(|channel| channel.id);
                if let Some(channel_id) = secondary {
                    commands.push(PartyCommand::MakePrimary { channel_id });
                }
            }
            95..100 if !is_person => {
                if let domain::parties::PartyNameData::Company { name, legal_name } = &state.name
                    && !name.ends_with(" Group")
                {
                    let name = format!("{name} Group");
                    let legal_name = legal_name.clone();
                    let (Some(name), legal_name) = (
                        self.label(&name),
                        legal_name.and_then(|legal| self.label(&legal)),
                    ) else {
                        return;
                    };
                    commands.push(PartyCommand::Rename {
                        name: PartyName::Company { name, legal_name },
                    });
                }
            }
            _ => {
                let key = if is_person { "birthday" } else { "industry" };
                let has_key = state.custom_fields.contains_key(key);
                if has_key && let Some(key) = self.valid(FieldKey::parse("key", key)) {
                    commands.push(PartyCommand::ClearCustomField { key });
                }
            }
        }
        if !commands.is_empty() {
            self.party_commands(index, at, by, commands);
        }
    }

    pub(super) fn change_channels(
        &mut self,
        index: u32,
        at: i64,
        commands: &mut Vec<PartyCommand>,
    ) {
        let slot = &self.parties[index as usize];
        let Some(state) = &slot.state else {
            return;
        };
        let region = slot.region;
        let phone = state
            .channels
            .iter()
            .find(|channel| {
                matches!(
                    channel.kind,
                    ChannelKind::MobilePhone | ChannelKind::WorkPhone
                )
            })
            .map(|channel| (channel.id, channel.kind));
        let removable = state
            .channels
            .iter()
            .find(|channel| !channel.primary)
            .map(|channel| channel.id);
        match self.rng.random_range(0..10) {
            0..4 => {
                // A new number: random digits do not repeat an existing one
                // often enough to matter, but check anyway.
                let Some((channel_id, kind)) = phone else {
                    let mobile = self.phone(region, true);
                    self.add_channel_command(commands, at, ChannelKind::MobilePhone, &mobile, None);
                    return;
                };
                let number = self.phone(region, kind == ChannelKind::MobilePhone);
                let Some(channel) = self.channel(kind, &number) else {
                    return;
                };
                let taken = self.parties[index as usize]
                    .state
                    .as_ref()
                    .is_some_and(|state| state.channels.iter().any(|c| c.value == channel.value()));
                if !taken {
                    commands.push(PartyCommand::ChangeChannel {
                        channel_id,
                        channel,
                        label: None,
                    });
                }
            }
            4..6 if removable.is_some() => {
                if let Some(channel_id) = removable {
                    commands.push(PartyCommand::RemoveChannel { channel_id });
                }
            }
            _ => {
                let (kind, value, label) = match self.rng.random_range(0..3) {
                    0 => (ChannelKind::WhatsApp, self.phone(region, true), None),
                    1 => (
                        ChannelKind::MobilePhone,
                        self.phone(region, true),
                        Some("second phone"),
                    ),
                    _ => (
                        ChannelKind::WorkPhone,
                        self.phone(region, false),
                        Some("reception"),
                    ),
                };
                let taken = self.parties[index as usize]
                    .state
                    .as_ref()
                    .is_some_and(|state| {
                        state.channels.len() >= 8
                            || state.channels.iter().any(|c| {
                                c.kind == kind
                                    && c.value.len() + 2 >= value.len()
                                    && value.replace(' ', "") == c.value
                            })
                    });
                if !taken {
                    self.add_channel_command(commands, at, kind, &value, label);
                }
            }
        }
    }

    // ----------------------------------------------------- interactions
}
