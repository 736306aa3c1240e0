//! The CRM's read models as one set: started together by the server,
//! listed and rebuilt by name from the command line.

use std::sync::Arc;

use eventlog::EventLog;

use crate::error::{ProjectionError, Result};
use crate::model::ReadModel;
use crate::models::activity::ManagerActivity;
use crate::models::calendar::Calendar;
use crate::models::catalog::Catalog;
use crate::models::customers::Customers;
use crate::models::deliveries::Deliveries;
use crate::models::funnel::SalesFunnel;
use crate::models::kpis::DirectorKpis;
use crate::models::orders::Orders;
use crate::models::pipeline_board::PipelineBoard;
use crate::models::production::Production;
use crate::models::purchases::Purchases;
use crate::models::quotes::Quotes;
use crate::models::sales::Sales;
use crate::models::stock::StockLevels;
use crate::models::tasks::Tasks;
use crate::models::timeline::Timelines;
use crate::models::users::Users;
use crate::runtime::{Projection, ProjectionStatus, RebuildReport, RuntimeOptions, rebuild};
use crate::snapshot::SnapshotStore;

/// Every read model's name, in the order they are started and rebuilt.
pub const MODEL_NAMES: [&str; 17] = [
    Customers::NAME,
    Timelines::NAME,
    PipelineBoard::NAME,
    SalesFunnel::NAME,
    ManagerActivity::NAME,
    Tasks::NAME,
    Calendar::NAME,
    StockLevels::NAME,
    Sales::NAME,
    DirectorKpis::NAME,
    Orders::NAME,
    Catalog::NAME,
    Users::NAME,
    Purchases::NAME,
    Production::NAME,
    Quotes::NAME,
    Deliveries::NAME,
];

/// The live read models of a running server.
#[derive(Debug)]
pub struct CrmReadModels {
    pub customers: Arc<Projection<Customers>>,
    pub timelines: Arc<Projection<Timelines>>,
    pub pipeline_board: Arc<Projection<PipelineBoard>>,
    pub sales_funnel: Arc<Projection<SalesFunnel>>,
    pub manager_activity: Arc<Projection<ManagerActivity>>,
    pub tasks: Arc<Projection<Tasks>>,
    pub calendar: Arc<Projection<Calendar>>,
    pub stock: Arc<Projection<StockLevels>>,
    pub sales: Arc<Projection<Sales>>,
    pub director_kpis: Arc<Projection<DirectorKpis>>,
    pub orders: Arc<Projection<Orders>>,
    pub catalog: Arc<Projection<Catalog>>,
    pub users: Arc<Projection<Users>>,
    pub purchases: Arc<Projection<Purchases>>,
    pub production: Arc<Projection<Production>>,
    pub quotes: Arc<Projection<Quotes>>,
    pub deliveries: Arc<Projection<Deliveries>>,
    pub store: SnapshotStore,
}

impl CrmReadModels {
    /// Restores every model from its snapshot and starts following the log.
    pub async fn start(
        log: &EventLog,
        store: SnapshotStore,
        options: RuntimeOptions,
    ) -> Result<Self> {
        Ok(Self {
            customers: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            timelines: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            pipeline_board: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            sales_funnel: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            manager_activity: Arc::new(
                Projection::start(log.clone(), store.clone(), options).await?,
            ),
            tasks: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            calendar: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            stock: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            sales: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            director_kpis: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            orders: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            catalog: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            users: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            purchases: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            production: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            quotes: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            deliveries: Arc::new(Projection::start(log.clone(), store.clone(), options).await?),
            store,
        })
    }

    pub fn statuses(&self) -> Vec<ProjectionStatus> {
        vec![
            self.customers.status(),
            self.timelines.status(),
            self.pipeline_board.status(),
            self.sales_funnel.status(),
            self.manager_activity.status(),
            self.tasks.status(),
            self.calendar.status(),
            self.stock.status(),
            self.sales.status(),
            self.director_kpis.status(),
            self.orders.status(),
            self.catalog.status(),
            self.users.status(),
            self.purchases.status(),
            self.production.status(),
            self.quotes.status(),
            self.deliveries.status(),
        ]
    }

    /// Waits until every model has folded `position`.
    pub async fn wait_for(&self, position: u64) -> Result<()> {
        self.customers.wait_for(position).await?;
        self.timelines.wait_for(position).await?;
        self.pipeline_board.wait_for(position).await?;
        self.sales_funnel.wait_for(position).await?;
        self.manager_activity.wait_for(position).await?;
        self.tasks.wait_for(position).await?;
        self.calendar.wait_for(position).await?;
        self.stock.wait_for(position).await?;
        self.sales.wait_for(position).await?;
        self.director_kpis.wait_for(position).await?;
        self.orders.wait_for(position).await?;
        self.catalog.wait_for(position).await?;
        self.users.wait_for(position).await?;
        self.purchases.wait_for(position).await?;
        self.production.wait_for(position).await?;
        self.quotes.wait_for(position).await?;
        self.deliveries.wait_for(position).await
    }

    /// Waits until the models holding personal data (customers,
    /// timelines, the pipeline board) have read up to `position`.
    pub async fn wait_for_personal(&self, position: u64) -> Result<()> {
        self.customers.wait_for(position).await?;
        self.timelines.wait_for(position).await?;
        self.pipeline_board.wait_for(position).await
    }

    /// Replaces the snapshots of the models that hold personal texts
    /// (customers, timelines, the pipeline board) with one taken after
    /// `position`: an erasure recorded there then leaves no snapshot with
    /// the erased texts on disk.
    pub async fn replace_personal_snapshots_after(&self, position: u64) -> Result<()> {
        self.customers.replace_snapshots_after(position).await?;
        self.timelines.replace_snapshots_after(position).await?;
        self.pipeline_board.replace_snapshots_after(position).await
    }

    /// Stops every model, each writing a final snapshot.
    pub async fn shutdown(&self) -> Result<()> {
        self.customers.shutdown().await?;
        self.timelines.shutdown().await?;
        self.pipeline_board.shutdown().await?;
        self.sales_funnel.shutdown().await?;
        self.manager_activity.shutdown().await?;
        self.tasks.shutdown().await?;
        self.calendar.shutdown().await?;
        self.stock.shutdown().await?;
        self.sales.shutdown().await?;
        self.director_kpis.shutdown().await?;
        self.orders.shutdown().await?;
        self.catalog.shutdown().await?;
        self.users.shutdown().await?;
        self.purchases.shutdown().await?;
        self.production.shutdown().await?;
        self.quotes.shutdown().await?;
        self.deliveries.shutdown().await
    }
}

/// Rebuilds the model called `name` from the whole log (see
/// [`crate::runtime::rebuild`]); the model itself is dropped afterwards.
pub fn rebuild_by_name(
    name: &str,
    log: &EventLog,
    store: &SnapshotStore,
    options: RuntimeOptions,
    progress: impl FnMut(u64),
) -> Result<RebuildReport> {
    fn run<M: ReadModel>(
        log: &EventLog,
        store: &SnapshotStore,
        options: RuntimeOptions,
        progress: impl FnMut(u64),
    ) -> Result<RebuildReport> {
        rebuild::<M>(log, store, options, progress).map(|(_, report)| report)
    }
    match name {
        Customers::NAME => run::<Customers>(log, store, options, progress),
        Timelines::NAME => run::<Timelines>(log, store, options, progress),
        PipelineBoard::NAME => run::<PipelineBoard>(log, store, options, progress),
        SalesFunnel::NAME => run::<SalesFunnel>(log, store, options, progress),
        ManagerActivity::NAME => run::<ManagerActivity>(log, store, options, progress),
        Tasks::NAME => run::<Tasks>(log, store, options, progress),
        Calendar::NAME => run::<Calendar>(log, store, options, progress),
        StockLevels::NAME => run::<StockLevels>(log, store, options, progress),
        Sales::NAME => run::<Sales>(log, store, options, progress),
        DirectorKpis::NAME => run::<DirectorKpis>(log, store, options, progress),
        Orders::NAME => run::<Orders>(log, store, options, progress),
        Catalog::NAME => run::<Catalog>(log, store, options, progress),
        Users::NAME => run::<Users>(log, store, options, progress),
        Purchases::NAME => run::<Purchases>(log, store, options, progress),
        Production::NAME => run::<Production>(log, store, options, progress),
        Quotes::NAME => run::<Quotes>(log, store, options, progress),
        Deliveries::NAME => run::<Deliveries>(log, store, options, progress),
        other => Err(ProjectionError::Stopped {
            name: "rebuild",
            reason: format!(
                "there is no read model called {other:?}; the models are {}",
                MODEL_NAMES.join(", ")
            ),
        }),
    }
}
