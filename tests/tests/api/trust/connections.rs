//! Finding 7: no read timeouts and no connection limit. Idle sockets used
//! up the server's file descriptors until it stopped answering, and a
//! half-sent request stayed open for 16 minutes and kept a stop signal
//! from stopping the server.

use std::time::{Duration as StdDuration, Instant};

use api::serving::ServeLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::*;

/// A second server over the test app's state, within `limits`, that
/// stops when `stop` is sent.
struct Bounded {
    address: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<Result<(), Box<dyn std::error::Error + Send + Sync>>>,
}

async fn bounded(app: &TestApp, limits: ServeLimits) -> Bounded {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = api::app(app.state.clone());
    let served = tokio::spawn(async move {
        api::serving::serve_with(listener, router, limits, async {
            let _ = stopped.await;
        })
        .await
        .map_err(Into::into)
    });
    Bounded {
        address,
        stop,
        served,
    }
}

/// Short limits for tests: a second for each wait.
fn short() -> ServeLimits {
    ServeLimits {
        connections_max: 16,
        header_read: StdDuration::from_secs(1),
        body_read: StdDuration::from_secs(1),
        shutdown_deadline: StdDuration::from_secs(1),
    }
}

/// What the server sends until it closes the connection, or `None` if it
/// neither answers nor closes within `wait`.
async fn read_until_closed(stream: &mut TcpStream, wait: StdDuration) -> Option<String> {
    let mut answer = Vec::new();
    match tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await {
        Ok(_) => Some(String::from_utf8_lossy(&answer).into_owned()),
        Err(_) => None,
    }
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

/// Protects descriptors from idle sockets: a connection that sends no
/// request, only part of its headers, or nothing after its first request
/// is closed after the header timeout.
#[tokio::test]
async fn an_idle_connection_is_closed_after_the_header_timeout() {
    let app = spawn_app().await;
    let server = bounded(&app, short()).await;
    let mut idle = TcpStream::connect(server.address).await.unwrap();
    let mut half = TcpStream::connect(server.address).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: loc")
        .await
        .unwrap();
    // A kept-alive connection that made one request and then idles.
    let mut kept = TcpStream::connect(server.address).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    for stream in [&mut idle, &mut half, &mut kept] {
        let closed = read_until_closed(stream, StdDuration::from_secs(10)).await;
        assert!(closed.is_some(), "still open after 10 s");
    }
    assert!(
        started.elapsed() >= StdDuration::from_millis(900),
        "not before the timeout"
    );
}

/// Protects the server from a body that never comes: a request whose body
/// stops short is answered with an error after the body timeout, and
/// writes nothing.
#[tokio::test]
async fn a_body_that_stops_short_is_cut_off_after_the_body_timeout() {
    let app = spawn_app().await;
    let server = bounded(&app, short()).await;
    let head = app.state.log.head().position;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    let request = format!(
        "POST /api/v1/parties HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"kind\": \"comp",
        app.token
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream, StdDuration::from_secs(10))
        .await
        .expect("answered and closed within 10 s");
    let status: u16 = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    assert!((400..500).contains(&status), "{answer}");
    assert_eq!(app.state.log.head().position, head, "nothing was written");
}

/// Protects the descriptor limit: past the connection cap, a new
/// connection waits (in the kernel's backlog) until one closes, and is
/// then served.
#[tokio::test]
async fn connections_past_the_cap_wait_until_one_closes() {
    let app = spawn_app().await;
    let limits = ServeLimits {
        connections_max: 2,
        header_read: StdDuration::from_secs(30),
        ..short()
    };
    let server = bounded(&app, limits).await;
    let first = TcpStream::connect(server.address).await.unwrap();
    let _second = TcpStream::connect(server.address).await.unwrap();
    // Let the server take both before the third comes.
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    let mut third = TcpStream::connect(server.address).await.unwrap();
    third.write_all(HEALTH).await.unwrap();
    assert!(
        read_until_closed(&mut third, StdDuration::from_secs(1))
            .await
            .is_none(),
        "served past the cap"
    );
    drop(first);
    let answer = read_until_closed(&mut third, StdDuration::from_secs(10))
        .await
        .expect("served once a connection closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// Protects stopping: a stop with a half-sent request open returns once
/// the shutdown deadline passes, instead of waiting on the client.
#[tokio::test]
async fn a_stop_is_not_held_up_by_a_half_sent_request() {
    let app = spawn_app().await;
    let limits = ServeLimits {
        header_read: StdDuration::from_secs(600),
        body_read: StdDuration::from_secs(600),
        shutdown_deadline: StdDuration::from_secs(1),
        ..short()
    };
    let server = bounded(&app, limits).await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    // Signed in, so the handler is reading the body when the stop comes.
    let request = format!(
        "POST /api/v1/parties HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        app.token
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    let started = Instant::now();
    server.stop.send(()).unwrap();
    let served = tokio::time::timeout(StdDuration::from_secs(10), server.served)
        .await
        .expect("the server stopped within 10 s");
    served.unwrap().unwrap();
    assert!(
        started.elapsed() < StdDuration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        read_until_closed(&mut stream, StdDuration::from_secs(5))
            .await
            .is_some(),
        "the connection was dropped"
    );
}
