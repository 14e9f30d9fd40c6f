//! Cross-check against a peer: for every corpus capture with a Zeek `http.log`
//! baseline, our exchanges' method, host, URI and status must match Zeek's rows.
//! Files where we knowingly differ are listed with the reason (whose mistake).

mod common;

use common::{corpus_dir, files_under, report_json_lenient};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Captures where our rows differ from Zeek's on purpose, with the reason.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "zeek_http-09-content-length-confusion.pcap",
        "the client sends an HTTP/0.9 simple request `GET /` (no version): we parse \
         HTTP/1.x only and skip it; Zeek logs it as version 0.9 with status 0",
    ),
    (
        "zeek_http_09.pcap",
        "HTTP/0.9 simple requests (`GET /zeek.html`, no version) and version-less \
         answers: HTTP/1.x only here (0.9 carries no headers, so no authentication); \
         Zeek logs them with status 0",
    ),
    (
        "zeek_no-version.pcap",
        "an HTTP/0.9-style request line without a version: skipped by design (as \
         zeek_http_09); Zeek logs it with status 0",
    ),
    (
        "zeek_mixed-vlan-mpls.pcap",
        "the one GET has no HTTP version (HTTP/0.9 form): skipped by design; the \
         VLAN/MPLS decoding itself matches (tshark counts agree)",
    ),
    (
        "zeek_wikipedia.pcap",
        "Zeek's baseline has 14 rows, the capture 15 requests: tshark also shows the \
         first `GET /` to www.wikipedia.org (frame 6, answered 304), which Zeek's \
         baseline leaves out",
    ),
    // Not yet triaged (issue 2 note): malformed-request edge cases where we and
    // Zeek pair or count differently. Listed with what differs so a change in
    // either direction fails the test.
    (
        "zeek_methods.pcap",
        "NOT YET TRIAGED: odd methods and targets (`OPTIONS` without a URI, `/HTTP/1.1` \
         targets) that Zeek logs with 400s; we miss several of these rows",
    ),
    (
        "zeek_no-uri.pcap",
        "NOT YET TRIAGED: `GET` with no request target; Zeek logs it with status 200, \
         we do not recognise the request line",
    ),
    (
        "zeek_http-11-request-then-cruft.pcap",
        "NOT YET TRIAGED: after a valid request the client sends non-HTTP bytes; the \
         server's 400 is an orphan response for us, Zeek drops it",
    ),
    (
        "zeek_http-bad-request-with-version.pcap",
        "NOT YET TRIAGED: a malformed request line; Zeek logs the 200 that answers it, \
         we do not pair or log that response",
    ),
    (
        "zeek_http-inner-transfer-encoding-ossfuzz.pcap",
        "NOT YET TRIAGED: fuzzer-made stream where Zeek logs a method `ETA` with a 206 \
         that we do not parse",
    ),
    (
        "zeek_http261_variant-08-leading_zeros.pcap",
        "NOT YET TRIAGED: request smuggling via a Content-Length with leading zeros; \
         Zeek logs the smuggled second request, we treat the bytes as body",
    ),
];

/// `%XX` escapes decoded: Zeek scripts such as the SQL-injection detector
/// (zeek_cooper-grill-dvwa) log the unescaped URI, http.log the raw one.
fn unescape(uri: &str) -> String {
    let b = uri.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Clone, Debug, PartialEq)]
struct Row {
    method: Option<String>,
    host: Option<String>,
    uri: Option<String>,
    status: Option<u16>,
    /// False for `.cut` baselines without a `status_code` column.
    status_logged: bool,
}

impl Row {
    /// `None` on either side of a field means "not comparable here".
    fn matches(&self, other: &Row) -> bool {
        fn eq<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
            match (a, b) {
                (Some(x), Some(y)) => x == y,
                _ => true,
            }
        }
        eq(&self.method, &other.method)
            && eq(&self.host, &other.host)
            && eq(&self.uri, &other.uri)
            && eq(&self.status, &other.status)
            && self.method.is_some() == other.method.is_some()
            && (!self.status_logged
                || !other.status_logged
                || self.status.is_some() == other.status.is_some())
    }
}

fn strip_port(host: &str) -> String {
    let h = host.trim().to_ascii_lowercase();
    if h.starts_with('[') {
        return h.split(']').next().map(|s| format!("{s}]")).unwrap_or(h);
    }
    h.split(':').next().unwrap_or("").to_string()
}

fn printable(s: &str) -> bool {
    s.bytes().all(|b| (0x21..0x7f).contains(&b)) && !s.contains("\\x")
}

fn zeek_rows(log: &Path) -> Option<Vec<Row>> {
    let text = std::fs::read_to_string(log).ok()?;
    let mut names: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for line in text.lines() {
        if let Some(f) = line.strip_prefix("#fields\t") {
            names = Some(f.split('\t').map(str::to_string).collect());
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let Some(n) = &names else {
            // `.cut` baselines: the first non-comment line names the columns.
            names = Some(cols.iter().map(|s| s.to_string()).collect());
            continue;
        };
        let get = |name: &str| -> Option<String> {
            let i = n.iter().position(|x| x == name)?;
            let v = cols.get(i)?;
            (*v != "-" && *v != "(empty)").then(|| v.to_string())
        };
        rows.push(Row {
            method: get("method"),
            host: get("host").map(|h| strip_port(&h)).filter(|h| printable(h)),
            uri: get("uri").filter(|u| printable(u)).map(|u| unescape(&u)),
            status: get("status_code").and_then(|s| s.parse().ok()),
            status_logged: n.iter().any(|x| x == "status_code"),
        });
    }
    names.map(|_| rows)
}

fn our_rows(report: &serde_json::Value) -> Vec<Row> {
    let empty = Vec::new();
    let list = report["exchanges"].as_array().unwrap_or(&empty);
    list.iter()
        .map(|e| {
            let host_header = e["request_headers"].as_array().and_then(|hs| {
                hs.iter()
                    .find(|h| {
                        h[0].as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case("host"))
                    })
                    .and_then(|h| h[1].as_str().map(strip_port))
            });
            Row {
                method: e["method"].as_str().map(str::to_string),
                host: host_header.filter(|h| printable(h)),
                uri: e["target"].as_str().filter(|u| printable(u)).map(unescape),
                status: e["status"].as_u64().and_then(|s| u16::try_from(s).ok()),
                status_logged: true,
            }
        })
        .collect()
}

/// Rows of one side that have no match on the other side.
fn unmatched(zeek: &[Row], ours: &[Row]) -> (Vec<Row>, Vec<Row>) {
    let mut used = vec![false; ours.len()];
    let mut missing = Vec::new();
    for z in zeek {
        let hit = ours
            .iter()
            .enumerate()
            .find(|(i, o)| !used[*i] && z.matches(o));
        match hit {
            Some((i, _)) => used[i] = true,
            None => missing.push(z.clone()),
        }
    }
    let extra = ours
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(o, _)| o.clone())
        .collect();
    (missing, extra)
}

fn baselines(corpus: &Path) -> Vec<(PathBuf, PathBuf)> {
    let files = files_under(corpus);
    let mut out = BTreeMap::new();
    for log in files
        .iter()
        .filter(|p| p.to_string_lossy().contains(".zeek-http.log"))
    {
        let name = log
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".json") || name.ends_with(".nonstandard") {
            continue;
        }
        let Some(capture) = name.split(".zeek-http.log").next() else {
            continue;
        };
        let found = files.iter().find(|p| {
            p.file_name().is_some_and(|n| n == capture) && !p.starts_with(corpus.join("baselines"))
        });
        if let Some(c) = found {
            out.insert(c.clone(), log.clone());
        }
    }
    out.into_iter().collect()
}

#[test]
fn exchanges_match_zeek_http_log() {
    let Some(corpus) = corpus_dir() else { return };
    let pairs = baselines(&corpus);
    assert!(
        pairs.len() >= 20,
        "expected Zeek baselines, found {}",
        pairs.len()
    );
    let mut failures = Vec::new();
    for (capture, log) in &pairs {
        let name = capture
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(zeek) = zeek_rows(log) else { continue };
        let ours = our_rows(&report_json_lenient(capture));
        let (missing, extra) = unmatched(&zeek, &ours);
        let known = KNOWN_DIFFERENCES.iter().find(|(f, _)| *f == name);
        match (missing.is_empty() && extra.is_empty(), known) {
            (true, None) => {}
            (true, Some(_)) => {
                failures.push(format!("{name}: listed as differing but now matches"))
            }
            (false, Some((_, why))) => eprintln!("{name}: known difference ({why})"),
            (false, None) => failures.push(format!(
                "{name}: zeek rows we lack {missing:?}; our rows zeek lacks {extra:?}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "differences from Zeek:\n{}",
        failures.join("\n")
    );
}
