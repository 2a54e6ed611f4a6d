//! # Tutorial: a damkit library behind a web service
//!
//! A DAM is rarely used from a command line: a web front end, a CMS plug-in or another
//! service asks it for assets over HTTP. This lesson puts a [`Library`] behind a small HTTP
//! server and shows the three things that matter when embedding it:
//!
//! 1. **Sharing**: one `Library` per folder, opened once, shared by every handler thread as
//!    an `Arc<Library>`. `Library` is `Send + Sync`: catalog reads take a short lock, and
//!    searches and ingests may run at the same time (ingest does its slow work — decoding,
//!    hashing, renditions — without holding the catalog).
//! 2. **Shapes**: the search endpoint answers with the JSON shape `damkit search --json`
//!    prints (`total`, `hits` with `id`, `score`, `fields`, `cursor`, `facets`, `warnings`,
//!    `next`), the show endpoint with the asset as the catalog holds it (`damkit show
//!    --json`), and a check endpoint asks the rights question "may we use it here?".
//! 3. **Errors**: every [`LibraryError`] maps to an HTTP status (an unknown asset is 404, a bad
//!    request 400, an index that needs a rebuild 503, the rest 500) with a JSON body naming
//!    what failed; a handler never panics on bad input.
//!
//! The server is [`tiny_http`]: synchronous, no async runtime, a handful of dependencies —
//! the right size for a lesson and for an internal service. (An async framework such as
//! axum works the same way: put the `Arc<Library>` in the app state and call the library from
//! `spawn_blocking`, since its calls do file and database I/O.)
//!
//! By default the example starts the server on a free local port, sends itself a few requests,
//! prints the answers and stops, so it can run unattended. `-- --serve` keeps it running:
//!
//! ```text
//! cargo run --example library_web_service
//! cargo run --example library_web_service -- --serve      # then: curl 'http://127.0.0.1:PORT/search?q=olympus'
//! ```

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use damkit::AssetId;
use damkit::library::{
    IngestOptions, Library, LibraryConfig, LibraryError, RightsUse, SearchOptions,
};
use serde_json::{Value, json};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // ## 1. A library to serve
    //
    // The library is built from the sample photos bundled with the `damkit` command, in a
    // temporary folder. A real service opens an existing folder with `Library::open`.
    let work = tempfile::tempdir()?;
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/cli/samples");
    let mut config = LibraryConfig::default();
    config.renditions.retain(|p| p.name == "thumb");
    // A library rule: assets are used on the web and in print, in the EU only.
    config.rights.rules.territories = vec!["EU".into()];
    config.rights.rules.channels = vec!["web".into(), "print".into()];
    let lib = Library::create(work.path().join("library"), config)?;
    let report = lib.ingest(&[&samples], &IngestOptions::default().actor("web-demo"))?;
    println!(
        "library {} with {} assets",
        lib.path().display(),
        report.added.len()
    );

    // ## 2. Share it
    //
    // One `Arc<Library>` for the whole process. Cloning the `Arc` is all a handler thread
    // needs; there is no connection pool to manage.
    let lib = Arc::new(lib);

    // ## 3. Start the server and its handler threads
    //
    // tiny_http's `Server` is itself shareable: each worker thread blocks in `recv()` and
    // handles one request at a time. Four workers on a 2-core machine keep the CPU busy while
    // one of them waits for the disk.
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").map_err(|e| e.to_string())?);
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or("the server is not listening on an IP address")?;
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let server = Arc::clone(&server);
            let lib = Arc::clone(&lib);
            std::thread::spawn(move || {
                // `recv` fails once `unblock` is called: the worker ends.
                while let Ok(request) = server.recv() {
                    let (status, body) = handle(&lib, request.method(), request.url());
                    let response = tiny_http::Response::from_string(body.to_string())
                        .with_status_code(status)
                        .with_header(json_header());
                    // A client that went away is not our problem.
                    let _ = request.respond(response);
                }
            })
        })
        .collect();
    println!("listening on http://{addr}");

    if std::env::args().any(|a| a == "--serve") {
        println!("try: curl 'http://{addr}/search?q=olympus'   (Ctrl-C stops)");
        for w in workers {
            let _ = w.join();
        }
        return Ok(());
    }

    // ## 4. Ask it something
    //
    // A search, a page of results with a facet, an asset, a rights check, and the errors.
    let (status, body) = get(addr, "/search?q=caption&facet=format")?;
    println!("\nGET /search?q=caption -> {status}\n{}", pretty(&body));
    let hits = body["hits"].as_array().cloned().unwrap_or_default();
    assert_eq!(status, 200);
    assert_eq!(body["total"], 1);
    let id = hits[0]["id"].as_str().unwrap_or_default().to_string();

    let (status, body) = get(addr, &format!("/assets/{id}"))?;
    println!(
        "GET /assets/{id} -> {status}: title {}, status {}, {} versions",
        body["title"],
        body["status"],
        body["versions"].as_array().map_or(0, Vec::len)
    );
    assert_eq!(status, 200);

    let (status, body) = get(
        addr,
        &format!("/assets/{id}/check?action=distribute&channel=web&territory=DE"),
    )?;
    println!(
        "GET /assets/{id}/check (web, DE) -> {status}: allowed {}, because {}",
        body["allowed"], body["reasons"]
    );
    assert_eq!(body["allowed"], false, "a draft is not distributable yet");

    for (path, expect) in [
        (
            "/assets/01890a5d-ac96-774b-bcce-b302099a8057".to_string(),
            404,
        ),
        ("/assets/not-an-id".to_string(), 400),
        ("/search?q=x&limit=lots".to_string(), 400),
        ("/nothing-here".to_string(), 404),
    ] {
        let (status, body) = get(addr, &path)?;
        println!("GET {path} -> {status}: {}", body["error"]);
        assert_eq!(status, expect, "{path}");
    }

    // ## 5. Stop
    //
    // Each `unblock` wakes one worker waiting in `recv` (which then returns an error and the
    // worker ends), so it is called once per worker. The library is closed when the last
    // `Arc` goes.
    for _ in &workers {
        server.unblock();
    }
    for w in workers {
        let _ = w.join();
    }
    println!("\nserver stopped");
    Ok(())
}

/// Routes one request. Returns the HTTP status and the JSON body.
fn handle(lib: &Library, method: &tiny_http::Method, url: &str) -> (u16, Value) {
    if *method != tiny_http::Method::Get {
        return (405, json!({ "error": "only GET is served" }));
    }
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    // `form_urlencoded` decodes `%20`, `+` and UTF-8 the way browsers encode query strings.
    let params: HashMap<String, String> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let result = match segments.as_slice() {
        ["search"] => search(lib, &params),
        ["assets", id] => parse_id(id).and_then(|id| show(lib, &id)),
        ["assets", id, "check"] => parse_id(id).and_then(|id| check(lib, &id, &params)),
        _ => Err((404, format!("no route for {path}"))),
    };
    match result {
        Ok(body) => (200, body),
        Err((status, message)) => (status, json!({ "error": message })),
    }
}

type Handled = Result<Value, (u16, String)>;

/// `GET /search?q=QUERY[&facet=F][&limit=N]`: the `damkit search --json` shape.
fn search(lib: &Library, params: &HashMap<String, String>) -> Handled {
    let q = params.get("q").map_or("", String::as_str);
    let mut options = SearchOptions::default();
    if let Some(limit) = params.get("limit") {
        let n: usize = limit
            .parse()
            .map_err(|_| (400, format!("limit {limit:?} is not a number")))?;
        options = options.limit(n);
    }
    if let Some(f) = params.get("facet") {
        options = options.facet(f.clone());
    }
    let resp = lib.search(q, &options).map_err(http_error)?;
    let hits: Vec<Value> = resp
        .hits
        .iter()
        .map(|h| {
            // The same `fields` object as `damkit search --json`.
            let fields = h.fields_json().unwrap_or(Value::Null);
            json!({ "id": h.id.to_string(), "score": h.score, "fields": fields,
                    "snippets": h.snippets, "cursor": h.cursor })
        })
        .collect();
    Ok(json!({
        "total": resp.total, "hits": hits, "facets": resp.facets,
        "warnings": resp.warnings, "next": resp.next,
    }))
}

/// `GET /assets/ID`: the asset as the catalog holds it.
fn show(lib: &Library, id: &AssetId) -> Handled {
    let asset = lib.asset(id).map_err(http_error)?;
    serde_json::to_value(&asset).map_err(|e| (500, e.to_string()))
}

/// `GET /assets/ID/check?action=A&channel=C&territory=T[&purpose=P][&at=TIME]`: may we?
fn check(lib: &Library, id: &AssetId, params: &HashMap<String, String>) -> Handled {
    let mut u = RightsUse::action(params.get("action").map_or("distribute", String::as_str));
    u.channel = params.get("channel").cloned();
    u.territory = params.get("territory").cloned();
    u.purpose = params.get("purpose").cloned();
    if let Some(at) = params.get("at") {
        u.at = Some(
            at.parse()
                .map_err(|e| (400, format!("at {at:?} is not an RFC 3339 time: {e}")))?,
        );
    }
    let c = lib.check_use(id, &u).map_err(http_error)?;
    serde_json::to_value(&c).map_err(|e| (500, e.to_string()))
}

fn parse_id(s: &str) -> Result<AssetId, (u16, String)> {
    s.parse()
        .map_err(|e| (400, format!("{s:?} is not an asset id: {e}")))
}

/// The HTTP status for a library error. The message names what failed; it goes to the
/// client as it is (a public service would log it and send less).
fn http_error(e: LibraryError) -> (u16, String) {
    let status = match &e {
        LibraryError::AssetNotFound { .. } | LibraryError::VersionNotFound { .. } => 404,
        LibraryError::Index {
            source: damkit::search::SearchError::InvalidRequest(_),
            ..
        } => 400,
        LibraryError::IndexRebuildNeeded { .. } | LibraryError::IndexCorrupt { .. } => 503,
        _ => 500,
    };
    (status, e.to_string())
}

fn json_header() -> tiny_http::Header {
    tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..])
        .expect("a valid static header")
}

/// A minimal HTTP GET for the self-test: `Connection: close` makes the server close the
/// connection after the answer, so reading to the end gives the whole response.
fn get(addr: std::net::SocketAddr, path: &str) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(60)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("the response has no header end")?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("the response has no status")?;
    Ok((status, serde_json::from_str(body)?))
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}
