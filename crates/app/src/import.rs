//! `hypercrm import`: a company's history from CSV files.
//!
//! A mapping file ([`mapping`], TOML) names the files and which of their
//! columns feed which HyperCRM field. The kinds present are imported in
//! the order products → customers → opening stock → orders, each file
//! streamed row by row:
//!
//! - products become `ProductDefined` and prices in the price list
//!   "Imported" ([`products`]), customers `PartyRegistered` with their
//!   channels and tags ([`customers`]), opening stock `WarehouseOpened`
//!   and `StockReceived` ([`stock`]); suppliers as customers are, with the
//!   supplier role; supplier prices `SupplierOfferSet` (and the preferred
//!   supplier) ([`supplier_prices`]); bills `BomVersionDefined`, made
//!   active ([`boms`]);
//! - historical orders, one row per order line, become one `SaleImported`
//!   each, dated by the order date, so an order arrives whole or not at
//!   all ([`orders`]); a writer thread keeps hundreds of them in flight.
//!
//! Every id is derived from the source's own ids ([`ids`]), and so are the
//! ids of the events: importing the same files again finds everything
//! already there and adds nothing. A refused row is reported with its line
//! and reason ([`report`]) and never stops the rest; a refused order row
//! leaves its whole order out.
//!
//! The log is opened in `Durability::BulkImportRelaxed` and synced once at
//! the end: a crash during an import loses a suffix of what it wrote, which
//! running the import again brings back. Run it while the server is
//! stopped (the store admits one process).

mod boms;
mod cells;
mod customers;
pub mod mapping;
mod orders;
mod products;
pub mod report;
mod stock;
mod supplier_prices;

use std::any::Any;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use domain::catalog::ProductKind;
use domain::ids::{PartyId, ProductId};
use domain::process::event_id;
use domain::{Decider, DomainError, DomainEvent, Issued};
use eventlog::{Actor, AppendMeta, EventLog, ExpectedVersion, NewEvent, Options, StreamName};
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};
use uuid::Uuid;

use crate::commands::{CommandError, CommandHandler};
pub use mapping::Mapping;
pub use report::{ImportReport, NameConflict, Rejection};

/// The actor every imported event names.
pub const IMPORT_ACTOR: &str = "import";
/// Other spellings of one name remembered (and counted) per product or
/// customer; more are not counted again.
const SPELLINGS_PER_NAME_MAX: usize = 8;
/// Rows between two progress reports.
const PROGRESS_EVERY_ROWS: u64 = 4_096;
/// Bytes of each CSV reader's buffer.
const CSV_BUFFER_BYTES: usize = 256 * 1024;

/// How to run an import.
#[derive(Clone, Copy, Debug)]
pub struct ImportOptions {
    /// Parse and report without writing.
    pub dry_run: bool,
    /// The time commands are issued at; order dates after it are refused.
    pub now: DateTime<Utc>,
}

/// Which file is being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Products,
    Customers,
    OpeningStock,
    /// The first pass over the orders: are each order's rows together?
    CheckingOrders,
    Orders,
    Suppliers,
    SupplierPrices,
    Boms,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Self::Products => "products",
            Self::Customers => "customers",
            Self::OpeningStock => "opening stock",
            Self::CheckingOrders => "checking orders",
            Self::Orders => "orders",
            Self::Suppliers => "suppliers",
            Self::SupplierPrices => "supplier prices",
            Self::Boms => "bills of materials",
        }
    }
}

/// How far the current file has been read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub bytes_read: u64,
    pub bytes_total: u64,
}

/// Why an import stopped. Refused rows are not errors: they are in the
/// report.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("failed to read the mapping file {path}: {source}")]
    ReadMapping {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the mapping file {path} is not valid: {message}")]
    Mapping { path: PathBuf, message: String },
    #[error(
        "{file}: the mapping names column {column:?} for {kind}.{field}, but the file has no such column; its columns are {found}"
    )]
    MissingColumn {
        file: PathBuf,
        kind: &'static str,
        field: &'static str,
        column: String,
        found: String,
    },
    #[error(
        "{file}: the mapping names column {column:?} for {kind}.{field}, and the file has more than one column of that name"
    )]
    AmbiguousColumn {
        file: PathBuf,
        kind: &'static str,
        field: &'static str,
        column: String,
    },
    #[error("failed to read {path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("failed to open the event log in {path}: {source}")]
    OpenLog {
        path: PathBuf,
        source: eventlog::Error,
    },
    #[error(transparent)]
    Log(#[from] eventlog::Error),
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error("a thread writing sales failed: {0}")]
    Worker(String),
    /// The data subjects' keys file (beside the log) failed.
    #[error("the subjects' keys: {0:#}")]
    Keys(anyhow::Error),
}

impl From<DomainError> for ImportError {
    /// A fixed value the domain refused: a programming error, reported as
    /// a failed command.
    fn from(error: DomainError) -> Self {
        Self::Command(error.into())
    }
}

/// Ids derived from the source's ids: the same source id gives the same
/// HyperCRM id in every import.
pub mod ids {
    use domain::ids::{PartyId, PriceListId, ProductId, WarehouseId, derived};
    use domain::values::Currency;
    use uuid::Uuid;

    /// The namespace of every id an import derives. Never change it: the
    /// ids of earlier imports are found again through it.
    pub const NAMESPACE: Uuid = Uuid::from_u128(0x6b1f_4c2e_9a7d_4e0b_8c35_2f9d_1a6e_7c40);

    fn from_name(kind: &str, source_id: &str) -> Uuid {
        derived(NAMESPACE, format!("import:{kind}:{source_id}").as_bytes())
    }

    pub fn product(source_id: &str) -> ProductId {
        ProductId::from_uuid(from_name("product", source_id))
    }

    pub fn customer(source_id: &str) -> PartyId {
        PartyId::from_uuid(from_name("customer", source_id))
    }

    pub fn warehouse(code: &str) -> WarehouseId {
        WarehouseId::from_uuid(from_name("warehouse", code))
    }

    /// The price list "Imported" of one currency.
    pub fn price_list(currency: Currency) -> PriceListId {
        PriceListId::from_uuid(from_name("pricelist", currency.as_str()))
    }

    /// The id of the `sale-<id>` stream of an order number.
    pub fn sale(number: &str) -> Uuid {
        from_name("order", number)
    }

    /// The id of a command of an import, derived from what it acts on and
    /// what it does; its events' ids derive from it.
    pub fn command(aggregate: Uuid, action: &str) -> Uuid {
        derived(aggregate, format!("import:{action}").as_bytes())
    }
}

/// Imports the files `mapping_path` names into the log in `data_dir`.
/// Blocking: call it outside an async runtime (or in `spawn_blocking`).
pub fn import(
    data_dir: &Path,
    mapping_path: &Path,
    options: ImportOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    let mapping = Mapping::load(mapping_path)?;
    // Every file's header is checked before anything is written.
    let plan = Plan::resolve(&mapping)?;
    let log_path = data_dir.join("eventlog");
    let log = if options.dry_run && !log_path.exists() {
        None
    } else {
        let durability = if options.dry_run {
            eventlog::Durability::Full
        } else {
            eventlog::Durability::BulkImportRelaxed
        };
        let log_options = Options {
            durability,
            ..Options::default()
        };
        let keys = crate::personal::Keys::open_in(data_dir)
            .map_err(|error| ImportError::Keys(error.into()))?;
        // One sync of the keys at the end, before the log's.
        keys.sync_each_key(options.dry_run);
        let log = EventLog::open(&log_path, keys.log_options(log_options)).map_err(|source| {
            ImportError::OpenLog {
                path: log_path.clone(),
                source,
            }
        })?;
        Some((log, keys))
    };
    let keys = log.as_ref().map(|(_, keys)| keys.clone());
    let log = log.map(|(log, _)| log);
    let mut context = Context {
        mapping: &mapping,
        store: Store::new(log.clone(), keys.clone(), options.dry_run),
        now: options.now,
        products: FxHashMap::default(),
        customers: FxHashMap::default(),
        report: ImportReport {
            dry_run: options.dry_run,
            ..ImportReport::default()
        },
    };
    if let (Some(source), Some(columns)) = (&mapping.products, &plan.products) {
        products::import_products(&mut context, source, columns, progress)?;
    }
    if let (Some(source), Some(columns)) = (&mapping.customers, &plan.customers) {
        customers::import_customers(
            &mut context,
            source,
            columns,
            customers::PartyFile::Customers,
            progress,
        )?;
    }
    if let (Some(source), Some(columns)) = (&mapping.suppliers, &plan.suppliers) {
        customers::import_customers(
            &mut context,
            source,
            columns,
            customers::PartyFile::Suppliers,
            progress,
        )?;
    }
    if let (Some(source), Some(columns)) = (&mapping.opening_stock, &plan.opening_stock) {
        stock::import_opening_stock(&mut context, source, columns, progress)?;
    }
    if let (Some(source), Some(columns)) = (&mapping.orders, &plan.orders) {
        orders::import_orders(&mut context, source, columns, progress)?;
    }
    if let (Some(source), Some(columns)) = (&mapping.supplier_prices, &plan.supplier_prices) {
        supplier_prices::import_supplier_prices(&mut context, source, columns, progress)?;
    }
    if let (Some(source), Some(columns)) = (&mapping.boms, &plan.boms) {
        boms::import_boms(&mut context, source, columns, progress)?;
    }
    if let (Some(log), Some(keys)) = (&log, &keys)
        && !options.dry_run
    {
        keys.sync()
            .map_err(|error| ImportError::Keys(error.into()))?;
        log.sync_blocking()?;
    }
    let mut report = context.report;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The columns of every file, found in their headers.
struct Plan {
    products: Option<products::ProductColumns>,
    customers: Option<customers::CustomerColumns>,
    opening_stock: Option<stock::StockColumns>,
    orders: Option<orders::OrderColumns>,
    suppliers: Option<customers::CustomerColumns>,
    supplier_prices: Option<supplier_prices::PriceColumns>,
    boms: Option<boms::BomColumns>,
}

impl Plan {
    fn resolve(mapping: &Mapping) -> Result<Self, ImportError> {
        Ok(Self {
            products: mapping
                .products
                .as_ref()
                .map(|source| {
                    products::ProductColumns::resolve(
                        &headers_of(source, "products")?,
                        &source.fields,
                    )
                })
                .transpose()?,
            customers: mapping
                .customers
                .as_ref()
                .map(|source| {
                    customers::CustomerColumns::resolve(
                        &headers_of(source, "customers")?,
                        &source.fields,
                    )
                })
                .transpose()?,
            opening_stock: mapping
                .opening_stock
                .as_ref()
                .map(|source| {
                    stock::StockColumns::resolve(
                        &headers_of(source, "opening_stock")?,
                        &source.fields,
                    )
                })
                .transpose()?,
            orders: mapping
                .orders
                .as_ref()
                .map(|source| {
                    orders::OrderColumns::resolve(&headers_of(source, "orders")?, &source.fields)
                })
                .transpose()?,
            suppliers: mapping
                .suppliers
                .as_ref()
                .map(|source| {
                    customers::CustomerColumns::resolve(
                        &headers_of(source, "suppliers")?,
                        &source.fields,
                    )
                })
                .transpose()?,
            supplier_prices: mapping
                .supplier_prices
                .as_ref()
                .map(|source| {
                    supplier_prices::PriceColumns::resolve(
                        &headers_of(source, "supplier_prices")?,
                        &source.fields,
                    )
                })
                .transpose()?,
            boms: mapping
                .boms
                .as_ref()
                .map(|source| {
                    boms::BomColumns::resolve(&headers_of(source, "boms")?, &source.fields)
                })
                .transpose()?,
        })
    }
}

fn headers_of<'a, F>(
    source: &'a mapping::Source<F>,
    kind: &'static str,
) -> Result<mapping::Resolver<'a>, ImportError> {
    let mut csv = CsvFile::open(source)?;
    Ok(mapping::Resolver {
        file: &source.path,
        kind,
        headers: std::mem::take(&mut csv.headers),
    })
}

/// A CSV file opened for reading, its header read.
struct CsvFile {
    path: PathBuf,
    /// The file's name, as rejections show it.
    name: String,
    reader: csv::Reader<File>,
    headers: Vec<String>,
    bytes_total: u64,
}

impl CsvFile {
    fn open<F>(source: &mapping::Source<F>) -> Result<Self, ImportError> {
        let path = source.path.clone();
        let csv_error = |source| ImportError::Csv {
            path: path.clone(),
            source,
        };
        let bytes_total = std::fs::metadata(&path)
            .map_err(|error| csv_error(error.into()))?
            .len();
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(source.delimiter)
            .flexible(true)
            .buffer_capacity(CSV_BUFFER_BYTES)
            .from_path(&path)
            .map_err(csv_error)?;
        let headers = reader
            .byte_headers()
            .map_err(csv_error)?
            .iter()
            .map(|header| String::from_utf8_lossy(header).into_owned())
            .collect();
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        Ok(Self {
            path,
            name,
            reader,
            headers,
            bytes_total,
        })
    }

    /// Reads the next record into `record`; false at the end.
    fn next(&mut self, record: &mut csv::ByteRecord) -> Result<bool, ImportError> {
        self.reader
            .read_byte_record(record)
            .map_err(|source| ImportError::Csv {
                path: self.path.clone(),
                source,
            })
    }

    fn progress(&self, phase: Phase) -> Progress {
        Progress {
            phase,
            bytes_read: self.reader.position().byte(),
            bytes_total: self.bytes_total,
        }
    }
}

/// A product known to this import: imported, created from an order row, or
/// found in the log.
#[derive(Debug)]
struct KnownProduct {
    id: ProductId,
    name: String,
    vat_percent: Decimal,
    kind: ProductKind,
    other_names: Vec<String>,
}

#[derive(Debug)]
struct KnownCustomer {
    id: PartyId,
    name: String,
    other_names: Vec<String>,
}

/// What the phases share.
struct Context<'m> {
    mapping: &'m Mapping,
    store: Store,
    now: DateTime<Utc>,
    /// By source id.
    products: FxHashMap<String, KnownProduct>,
    customers: FxHashMap<String, KnownCustomer>,
    report: ImportReport,
}

/// What the orders and the opening stock need to know of a product.
#[derive(Clone, Copy, Debug)]
struct ProductRef {
    id: ProductId,
    vat_percent: Decimal,
    kind: ProductKind,
}

impl Context<'_> {
    /// The product of a source id, from this import or from the log.
    fn product(&mut self, source_id: &str) -> Result<Option<ProductRef>, ImportError> {
        if let Some(known) = self.products.get(source_id) {
            return Ok(Some(ProductRef {
                id: known.id,
                vat_percent: known.vat_percent,
                kind: known.kind,
            }));
        }
        let id = ids::product(source_id);
        let stream = CommandHandler::stream::<domain::catalog::Product>(id)?;
        let (state, _) = self.store.load::<domain::catalog::Product>(&stream)?;
        let Some(state) = state else {
            return Ok(None);
        };
        let found = ProductRef {
            id,
            vat_percent: state.vat_percent,
            kind: state.kind,
        };
        self.products.insert(
            source_id.to_owned(),
            KnownProduct {
                id,
                name: state.name,
                vat_percent: state.vat_percent,
                kind: state.kind,
                other_names: Vec::new(),
            },
        );
        Ok(Some(found))
    }

    /// The customer of a source id, from this import or from the log.
    fn customer(&mut self, source_id: &str) -> Result<Option<PartyId>, ImportError> {
        if let Some(known) = self.customers.get(source_id) {
            return Ok(Some(known.id));
        }
        let id = ids::customer(source_id);
        let stream = CommandHandler::stream::<domain::parties::Party>(id)?;
        let (state, _) = self.store.load::<domain::parties::Party>(&stream)?;
        let Some(state) = state else {
            return Ok(None);
        };
        self.customers.insert(
            source_id.to_owned(),
            KnownCustomer {
                id,
                name: state.name.display_name(),
                other_names: Vec::new(),
            },
        );
        Ok(Some(id))
    }

    /// Whether `spelled` is a spelling of a known product's or customer's
    /// name not noted yet (and there is still room to note one).
    fn is_other_spelling(&self, entity: &str, source_id: &str, spelled: &str) -> bool {
        let known = match entity {
            "product" => self
                .products
                .get(source_id)
                .map(|known| (&known.name, &known.other_names)),
            _ => self
                .customers
                .get(source_id)
                .map(|known| (&known.name, &known.other_names)),
        };
        known.is_some_and(|(kept, others)| {
            spelled != kept.as_str()
                && others.len() < SPELLINGS_PER_NAME_MAX
                && !others.iter().any(|other| other == spelled)
        })
    }

    /// Notes another spelling of a known product's name.
    fn note_product_name(&mut self, source_id: &str, spelled: &str, file: &str, line: u64) {
        if let Some(known) = self.products.get_mut(source_id) {
            note_spelling(
                &mut self.report,
                "product",
                source_id,
                &known.name,
                &mut known.other_names,
                spelled,
                file,
                line,
            );
        }
    }

    /// Notes another spelling of a known customer's name.
    fn note_customer_name(&mut self, source_id: &str, spelled: &str, file: &str, line: u64) {
        if let Some(known) = self.customers.get_mut(source_id) {
            note_spelling(
                &mut self.report,
                "customer",
                source_id,
                &known.name,
                &mut known.other_names,
                spelled,
                file,
                line,
            );
        }
    }
}

/// Notes `spelled` as another spelling of a name whose first spelling is
/// `kept`, once per distinct spelling.
#[allow(clippy::too_many_arguments)]
fn note_spelling(
    report: &mut ImportReport,
    entity: &'static str,
    source_id: &str,
    kept: &str,
    others: &mut Vec<String>,
    spelled: &str,
    file: &str,
    line: u64,
) {
    if spelled == kept
        || others.len() >= SPELLINGS_PER_NAME_MAX
        || others.iter().any(|other| other == spelled)
    {
        return;
    }
    others.push(spelled.to_owned());
    report.add_conflict(NameConflict {
        entity,
        source_id: source_id.to_owned(),
        kept: kept.to_owned(),
        other: spelled.to_owned(),
        file: file.to_owned(),
        line,
    });
}

/// Midnight (UTC) of a business date: the time of an imported event.
fn start_of(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

/// One command of an import, with the id its events derive from (`None`:
/// the decider alone keeps it from repeating, and event ids are fresh).
struct Command<C> {
    id: Option<Uuid>,
    issued: Issued<C>,
}

/// Reads states and appends events for the phases; in a dry run it keeps
/// what would have been appended in memory instead, so later rows see it.
struct Store {
    log: Option<EventLog>,
    handler: Option<CommandHandler>,
    dry_run: bool,
    /// Dry run: the states of the streams it "wrote", and their versions.
    overlay: FxHashMap<StreamName, (Box<dyn Any + Send>, Option<u64>)>,
    /// Dry run: the commands it "ran".
    ran: FxHashSet<Uuid>,
}

impl Store {
    fn new(log: Option<EventLog>, keys: Option<crate::personal::Keys>, dry_run: bool) -> Self {
        Self {
            handler: log
                .clone()
                .zip(keys)
                .map(|(log, keys)| CommandHandler::new(log, Arc::new(keys))),
            log,
            dry_run,
            overlay: FxHashMap::default(),
            ran: FxHashSet::default(),
        }
    }

    fn load<D>(&self, stream: &StreamName) -> Result<(D::State, Option<u64>), ImportError>
    where
        D: Decider,
        D::Event: DomainEvent,
        D::State: Clone + Send + 'static,
    {
        if let Some((state, version)) = self.overlay.get(stream)
            && let Some(state) = state.downcast_ref::<D::State>()
        {
            return Ok((state.clone(), *version));
        }
        match &self.handler {
            Some(handler) => Ok(handler.load::<D>(stream)?),
            None => Ok((D::State::default(), None)),
        }
    }

    /// Whether the command with this id ran before (its first event is
    /// stored).
    fn already_ran(&self, command_id: Uuid) -> Result<bool, ImportError> {
        if self.ran.contains(&command_id) {
            return Ok(true);
        }
        match &self.log {
            Some(log) => Ok(crate::commands::command_position(log, command_id)?.is_some()),
            None => Ok(false),
        }
    }

    /// Decides `commands` in turn against the state of `stream` (skipping
    /// those that ran before) and appends everything they decided in one
    /// append, so the commands take effect together or not at all.
    /// Returns how many events each command decided, or the first
    /// command's refusal, in which case nothing is appended.
    fn run<D, C>(
        &mut self,
        stream: &StreamName,
        commands: &[Command<C>],
    ) -> Result<Result<Vec<usize>, DomainError>, ImportError>
    where
        D: Decider<Command = Issued<C>, Error = DomainError>,
        D::Event: DomainEvent,
        D::State: Clone + Send + 'static,
    {
        let (mut state, version) = self.load::<D>(stream)?;
        let mut decided = Vec::with_capacity(commands.len());
        let mut events = Vec::new();
        for command in commands {
            if let Some(id) = command.id
                && self.already_ran(id)?
            {
                decided.push(0);
                continue;
            }
            let new = match D::decide(&state, &command.issued) {
                Ok(new) => new,
                Err(error) => return Ok(Err(error)),
            };
            decided.push(new.len());
            for (index, event) in new.iter().enumerate() {
                let id = command
                    .id
                    .map_or_else(Uuid::now_v7, |command_id| event_id(command_id, index));
                let mut recorded = NewEvent::new(id, event.event_type(), event.encode())
                    .with_schema_version(event.schema_version());
                if let Some(occurred_at) = command.issued.occurred_at {
                    recorded = recorded.occurred_at(occurred_at);
                }
                events.push(recorded);
            }
            state = new.iter().fold(state, D::evolve);
        }
        if events.is_empty() {
            return Ok(Ok(decided));
        }
        let appended = events.len() as u64;
        if self.dry_run || self.log.is_none() {
            self.ran
                .extend(commands.iter().filter_map(|command| command.id));
            let version = Some(version.map_or(appended - 1, |version| version + appended));
            self.overlay
                .insert(stream.clone(), (Box::new(state), version));
            return Ok(Ok(decided));
        }
        let Some(log) = &self.log else {
            return Ok(Ok(decided));
        };
        let expected = match version {
            Some(version) => ExpectedVersion::Exact(version),
            None => ExpectedVersion::NoStream,
        };
        let correlation = commands
            .iter()
            .find_map(|command| command.id)
            .unwrap_or_else(Uuid::now_v7);
        let meta = AppendMeta::new(Actor::system(IMPORT_ACTOR), correlation);
        log.append_blocking(stream, expected, events, meta)?;
        Ok(Ok(decided))
    }
}
