//! Customers: `PartyRegistered` per customer id, with channels (email,
//! phone, mobile, postal address, website) and tags.
//!
//! A row is a company unless its type column says "person", or, without a
//! type column, its name cell is blank and its first name is not. A person
//! without first and last name columns is split at the first space of the
//! name: "Ivan Petrov" is first name Ivan, last name Petrov.
//!
//! A customer id on several rows is one customer: the first row registers
//! it (its name and source win; a different name later is a name
//! conflict), and every row adds the channels and tags the customer does
//! not have yet, so a customer listed with two addresses keeps both (the
//! first is the primary one). Channel and tag ids derive from the customer
//! and the value, so an import run again adds nothing, and a channel a
//! user removed since is not brought back.
//!
//! Suppliers are read the same way from their own file, and get the
//! supplier role: a supplier new to HyperCRM is a supplier only; one whose
//! id is already a customer's (from the customers file, now or before) is
//! the same party, with both roles.

use csv::ByteRecord;
use domain::Issued;
use domain::channel::{Channel, ChannelKind};
use domain::ids::{ChannelId, PartyId, derived};
use domain::parties::{Party, PartyCommand, PartyName, PartyRoles, PartyState, RegisterParty};
use domain::values::{Label, Tag};

use super::cells::{Column, Row};
use super::mapping::{CustomerFields, Resolver, Source};
use super::report::{CustomersReport, Refusals};
use super::{
    Command, Context, CsvFile, ImportError, KnownCustomer, PROGRESS_EVERY_ROWS, Phase, Progress,
    ids,
};
use crate::commands::CommandHandler;
use crate::process::SYSTEM_USER;

#[derive(Debug)]
pub(super) struct CustomerColumns {
    id: Column,
    name: Option<Column>,
    kind: Option<Column>,
    first_name: Option<Column>,
    last_name: Option<Column>,
    legal_name: Option<Column>,
    channels: Vec<(ChannelKind, Column)>,
    tags: Option<Column>,
    source: Option<Column>,
}

impl CustomerColumns {
    pub fn resolve(resolver: &Resolver<'_>, fields: &CustomerFields) -> Result<Self, ImportError> {
        let mut channels = Vec::new();
        for (kind, field, header) in [
            (ChannelKind::Email, "email", &fields.email),
            (ChannelKind::WorkPhone, "phone", &fields.phone),
            (ChannelKind::MobilePhone, "mobile", &fields.mobile),
            (ChannelKind::PostalAddress, "address", &fields.address),
            (ChannelKind::Website, "website", &fields.website),
        ] {
            if let Some(column) = resolver.optional(field, header.as_ref())? {
                channels.push((kind, column));
            }
        }
        Ok(Self {
            id: resolver.required("id", &fields.id)?,
            name: resolver.optional("name", fields.name.as_ref())?,
            kind: resolver.optional("type", fields.kind.as_ref())?,
            first_name: resolver.optional("first_name", fields.first_name.as_ref())?,
            last_name: resolver.optional("last_name", fields.last_name.as_ref())?,
            legal_name: resolver.optional("legal_name", fields.legal_name.as_ref())?,
            channels,
            tags: resolver.optional("tags", fields.tags.as_ref())?,
            source: resolver.optional("source", fields.source.as_ref())?,
        })
    }
}

struct CustomerRow<'a> {
    id: &'a str,
    name: PartyName,
    source: Option<Label>,
    channels: Vec<Channel>,
    tags: Vec<Tag>,
}

/// The name people read: "Acme" or "Ivan Petrov".
pub(super) fn display_name(name: &PartyName) -> String {
    match name {
        PartyName::Company { name, .. } => name.as_str().to_owned(),
        PartyName::Person {
            first_name,
            last_name: Some(last_name),
        } => format!("{first_name} {last_name}"),
        PartyName::Person {
            first_name,
            last_name: None,
        } => first_name.as_str().to_owned(),
    }
}

fn parse_customer<'a>(row: &Row<'a>, columns: &CustomerColumns) -> Result<CustomerRow<'a>, String> {
    let id = row.source_id(&columns.id)?;
    let name_text = row.text(columns.name.as_ref())?;
    let first_text = row.text(columns.first_name.as_ref())?;
    let is_person = match (columns.kind.as_ref(), row.text(columns.kind.as_ref())?) {
        (Some(column), Some(kind)) => match kind.to_lowercase().as_str() {
            "company" | "organisation" | "organization" => false,
            "person" => true,
            _ => return Err(column.problem(kind, "must be \"company\" or \"person\"")),
        },
        _ => name_text.is_none() && first_text.is_some(),
    };
    let name = if is_person {
        // A person's name comes from its own columns, or else from the
        // name column: the first word is the first name.
        let (first, rest) = match (first_text, name_text) {
            (Some(first), _) => (first, None),
            (None, Some(full)) => match full.split_once(char::is_whitespace) {
                Some((first, rest)) => (first, Some(rest.trim())),
                None => (full, None),
            },
            (None, None) => {
                return Err(columns
                    .first_name
                    .as_ref()
                    .or(columns.name.as_ref())
                    .map_or_else(|| "the person has no name".to_owned(), Column::blank));
            }
        };
        let last = row.text(columns.last_name.as_ref())?.or(rest);
        PartyName::Person {
            first_name: Label::parse("first_name", first).map_err(|error| error.to_string())?,
            last_name: Label::parse_optional("last_name", last)
                .map_err(|error| error.to_string())?,
        }
    } else {
        let column = columns
            .name
            .as_ref()
            .ok_or_else(|| "a company needs the name column".to_owned())?;
        PartyName::Company {
            name: row
                .parsed(Some(column), |text| Label::parse("name", text))?
                .ok_or_else(|| column.blank())?,
            legal_name: row.parsed(columns.legal_name.as_ref(), |text| {
                Label::parse("legal_name", text)
            })?,
        }
    };
    let mut channels: Vec<Channel> = Vec::new();
    for (kind, column) in &columns.channels {
        if let Some(channel) = row.parsed(Some(column), |text| Channel::parse(*kind, text))?
            && !channels.contains(&channel)
        {
            channels.push(channel);
        }
    }
    let mut tags: Vec<Tag> = Vec::new();
    if let (Some(column), Some(text)) = (columns.tags.as_ref(), row.text(columns.tags.as_ref())?) {
        for part in text
            .split([',', ';', '|'])
            .map(str::trim)
            .filter(|part| !part.is_empty())
        {
            let tag = Tag::parse("tags", part).map_err(|error| column.refused(part, &error))?;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
    }
    Ok(CustomerRow {
        id,
        name,
        source: row.parsed(columns.source.as_ref(), |text| Label::parse("source", text))?,
        channels,
        tags,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CustomerAction {
    Register,
    Channel,
    Tag,
    SupplierRole,
}

/// Which file the parties come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PartyFile {
    Customers,
    Suppliers,
}

/// The commands that add what `state` lacks of `channels` and `tags`.
fn additions(
    context: &Context<'_>,
    party: PartyId,
    state: Option<&PartyState>,
    channels: Vec<Channel>,
    tags: Vec<Tag>,
    commands: &mut Vec<Command<PartyCommand>>,
    actions: &mut Vec<CustomerAction>,
) {
    for channel in channels {
        let present = state.is_some_and(|state| {
            state
                .channels
                .iter()
                .any(|held| held.kind == channel.kind() && held.value == channel.value())
        });
        if present {
            continue;
        }
        let channel_id = ChannelId::from_uuid(derived(
            party.as_uuid(),
            format!(
                "import:channel:{}:{}",
                channel.kind().code(),
                channel.value()
            )
            .as_bytes(),
        ));
        commands.push(Command {
            id: Some(ids::command(channel_id.as_uuid(), "add-channel")),
            issued: Issued::new(
                SYSTEM_USER,
                context.now,
                PartyCommand::AddChannel {
                    channel_id,
                    channel,
                    label: None,
                },
            ),
        });
        actions.push(CustomerAction::Channel);
    }
    for tag in tags {
        commands.push(Command {
            id: Some(ids::command(
                party.as_uuid(),
                &format!("tag:{}", tag.as_str()),
            )),
            issued: Issued::new(SYSTEM_USER, context.now, PartyCommand::Tag(tag)),
        });
        actions.push(CustomerAction::Tag);
    }
}

/// Registers a company or person; true when registered now, false when
/// the log already held it.
pub(super) fn register_customer(
    context: &mut Context<'_>,
    source_id: &str,
    name: PartyName,
) -> Result<Result<bool, domain::DomainError>, ImportError> {
    let party = ids::customer(source_id);
    let stream = CommandHandler::stream::<Party>(party)?;
    let display = display_name(&name);
    let command = register_command(context, party, name, None);
    let decided = match context.store.run::<Party, _>(&stream, &[command])? {
        Ok(decided) => decided,
        Err(error) => return Ok(Err(error)),
    };
    context.customers.insert(
        source_id.to_owned(),
        KnownCustomer {
            id: party,
            name: display,
            other_names: Vec::new(),
        },
    );
    Ok(Ok(decided.first().is_some_and(|events| *events > 0)))
}

fn register_command(
    context: &Context<'_>,
    party: PartyId,
    name: PartyName,
    source: Option<Label>,
) -> Command<PartyCommand> {
    Command {
        id: Some(ids::command(party.as_uuid(), "register")),
        issued: Issued::new(
            SYSTEM_USER,
            context.now,
            PartyCommand::Register(RegisterParty {
                name,
                company: None,
                job_title: None,
                source,
                owner: SYSTEM_USER,
                branch: None,
            }),
        ),
    }
}

pub(super) fn import_customers(
    context: &mut Context<'_>,
    source: &Source<CustomerFields>,
    columns: &CustomerColumns,
    file: PartyFile,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), ImportError> {
    let phase = match file {
        PartyFile::Customers => Phase::Customers,
        PartyFile::Suppliers => Phase::Suppliers,
    };
    let mut csv = CsvFile::open(source)?;
    let mut report = CustomersReport::default();
    let mut refusals = Refusals::default();
    // The ids this file has listed: a party the customers file brought
    // is not a repeat in the suppliers file.
    let mut seen: rustc_hash::FxHashSet<String> = rustc_hash::FxHashSet::default();
    let mut record = ByteRecord::new();
    while csv.next(&mut record)? {
        report.rows_read += 1;
        if report.rows_read % PROGRESS_EVERY_ROWS == 0 {
            progress(csv.progress(phase));
        }
        let row = source.row(&record);
        let parsed = match parse_customer(&row, columns) {
            Ok(parsed) => parsed,
            Err(reason) => {
                refusals.add(&csv.name, row.line, None, reason);
                continue;
            }
        };
        let party = ids::customer(parsed.id);
        let stream = CommandHandler::stream::<Party>(party)?;
        let (state, _) = context.store.load::<Party>(&stream)?;
        let spelled = display_name(&parsed.name);
        let mut commands = Vec::new();
        let mut actions = Vec::new();
        let repeated = !seen.insert(parsed.id.to_owned());
        if repeated {
            report.repeated_rows += 1;
        }
        match &state {
            None => {
                commands.push(register_command(context, party, parsed.name, parsed.source));
                actions.push(CustomerAction::Register);
            }
            Some(stored) => {
                if !repeated {
                    report.already_present += 1;
                    context.customers.insert(
                        parsed.id.to_owned(),
                        KnownCustomer {
                            id: party,
                            name: stored.name.display_name(),
                            other_names: Vec::new(),
                        },
                    );
                }
                context.note_customer_name(parsed.id, &spelled, &csv.name, row.line);
            }
        }
        additions(
            context,
            party,
            state.as_ref(),
            parsed.channels,
            parsed.tags,
            &mut commands,
            &mut actions,
        );
        if file == PartyFile::Suppliers {
            // New to HyperCRM: a supplier only; known: its roles and this.
            let roles = match &state {
                None => Some(PartyRoles {
                    customer: false,
                    supplier: true,
                }),
                Some(stored) if !stored.roles.supplier => Some(PartyRoles {
                    customer: stored.roles.customer,
                    supplier: true,
                }),
                Some(_) => None,
            };
            if let Some(roles) = roles {
                commands.push(Command {
                    id: Some(ids::command(party.as_uuid(), "supplier-role")),
                    issued: Issued::new(SYSTEM_USER, context.now, PartyCommand::SetRoles(roles)),
                });
                actions.push(CustomerAction::SupplierRole);
            }
        }
        let decided = match context.store.run::<Party, _>(&stream, &commands)? {
            Ok(decided) => decided,
            Err(error) => {
                refusals.add(&csv.name, row.line, None, error.to_string());
                continue;
            }
        };
        for (action, events) in actions.iter().zip(&decided) {
            if *events == 0 {
                continue;
            }
            match action {
                CustomerAction::Register => report.created += 1,
                CustomerAction::Channel => report.channels_added += 1,
                CustomerAction::Tag => report.tags_added += 1,
                CustomerAction::SupplierRole => report.supplier_roles_set += 1,
            }
        }
        if state.is_none() {
            context.customers.insert(
                parsed.id.to_owned(),
                KnownCustomer {
                    id: party,
                    name: spelled,
                    other_names: Vec::new(),
                },
            );
        }
    }
    progress(csv.progress(phase));
    report.rows_rejected = refusals.count;
    context.report.list_rejections(refusals.listed);
    match file {
        PartyFile::Customers => context.report.customers = Some(report),
        PartyFile::Suppliers => context.report.suppliers = Some(report),
    }
    Ok(())
}
