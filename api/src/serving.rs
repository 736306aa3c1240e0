//! The server's connections: accepting them, bounding them, and letting
//! them go at shutdown.
//!
//! `axum::serve` has no connection limit and no read timeouts, so an
//! outside review held the server with idle sockets (1,100 of them used up
//! the default 1,024 file descriptors and it stopped answering) and with a
//! half-sent request (open for 16 minutes, and a stop signal waited on
//! it). This accept loop keeps axum's router and hyper's HTTP/1
//! connections and adds what was missing:
//! - at most [`ServeLimits::connections_max`] connections at once; past
//!   that, new ones wait in the kernel's backlog (no descriptor of ours)
//!   until one closes;
//! - a request's headers must arrive within
//!   [`ServeLimits::header_read`], which also closes a kept-alive
//!   connection idle that long;
//! - a request's body must arrive within [`ServeLimits::body_read`];
//! - at shutdown, connections get [`ServeLimits::shutdown_deadline`] to
//!   finish their request, and are then dropped, so the caller can save
//!   the read models and exit.
//!
//! HTTP/1.1 only: browsers speak HTTP/2 only over TLS, which a reverse
//! proxy in front ends.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tower::{Layer as _, ServiceExt as _};
use tower_http::timeout::RequestBodyTimeoutLayer;

/// How long to wait before accepting again after `accept` failed (out of
/// descriptors, say), so the loop does not spin.
const ACCEPT_RETRY_MILLISECONDS: u64 = 100;

/// The bounds of the server's connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServeLimits {
    /// Connections open at once; keep it well under the process's file
    /// descriptor limit (`LimitNOFILE`), which the log and the indexes
    /// share.
    pub connections_max: usize,
    /// Time for a request's headers to arrive, and for a kept-alive
    /// connection to send its next request.
    pub header_read: Duration,
    /// Time for a request's whole body to arrive.
    pub body_read: Duration,
    /// Time connections get to finish at shutdown before they are dropped.
    pub shutdown_deadline: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            connections_max: 512,
            header_read: Duration::from_secs(30),
            body_read: Duration::from_secs(60),
            shutdown_deadline: Duration::from_secs(10),
        }
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` resolves,
/// then gives open connections the shutdown deadline and drops the rest.
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        limits.connections_max > 0,
        "the server needs room for at least one connection"
    );
    let app = RequestBodyTimeoutLayer::new(limits.body_read).layer(app);
    let permits = Arc::new(Semaphore::new(limits.connections_max));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    tokio::pin!(shutdown);
    loop {
        // Finished connections are reaped as the loop goes round.
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                // The semaphore is never closed; were it, stop serving.
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(ACCEPT_RETRY_MILLISECONDS)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        // The peer's address, which sign-in throttling counts by, as
        // `into_make_service_with_connect_info` would give it.
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        connections.spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "a connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    let open = connections.len();
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_deadline) => {
            tracing::warn!(
                open,
                deadline_seconds = limits.shutdown_deadline.as_secs_f64(),
                "connections still open at the shutdown deadline are dropped"
            );
        }
    }
    connections.shutdown().await;
    Ok(())
}
