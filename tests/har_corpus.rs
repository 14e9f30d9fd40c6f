//! Every HAR in the shared corpus loads, or fails with a one-line error that
//! names the byte offset; the files MANIFEST.md calls broken are the ones that fail;
//! browser exports of plain browsing report no finding.

mod common;

use authscope::source::har;
use common::{corpus_dir, files_under, finding_codes, report_json};

/// Files that are not HAR logs (MANIFEST.md says why), expected to fail.
const NOT_HAR: &[&str] = &[
    "mitmproxy_corrupted_har_brokenfile.har",
    "mitmproxy_har_extractor.har",
    "harviewer_1.har",
    "harviewer_not-json.har",
    "harviewer_not-valid.har",
    "haralyzer_single_entry.har",
];

#[test]
fn every_corpus_har_loads_or_fails_with_one_line() {
    let Some(corpus) = corpus_dir() else { return };
    let files = files_under(&corpus.join("har"));
    assert!(files.len() >= 50, "found {} HAR files", files.len());
    let mut loaded = 0;
    for f in &files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match har::read_all(f) {
            Ok(exchanges) => {
                assert!(!NOT_HAR.contains(&name.as_str()), "{name} should not load");
                loaded += 1;
                for ex in &exchanges {
                    assert!(ex.request.is_some(), "{name}: exchange without request");
                }
            }
            Err(e) => {
                assert!(NOT_HAR.contains(&name.as_str()), "{name} failed: {e}");
                let msg = e.to_string();
                assert!(!msg.contains('\n'), "{name}: multi-line error {msg}");
            }
        }
    }
    assert_eq!(loaded, files.len() - NOT_HAR.len());
}

#[test]
fn corpus_entry_counts_match_manifest() {
    let Some(corpus) = corpus_dir() else { return };
    // Counts from MANIFEST.md's status columns (entries with a response status).
    for (file, entries) in [
        ("harviewer_www-cnn-com.har", 22),
        ("pagexray_redirect_redirect-and-redirect-back.har", 50),
        ("mitmproxy_flows_incomplete_log.har", 4),
        ("har-to-k6_full.har", 8),
        ("mswjs_empty.har", 0),
    ] {
        let got = har::read_all(&corpus.join("har").join(file)).expect(file);
        assert_eq!(got.len(), entries, "{file}");
    }
}

#[test]
fn entries_come_out_in_time_order() {
    let Some(corpus) = corpus_dir() else { return };
    for f in files_under(&corpus.join("har")) {
        let Ok(list) = har::read_all(&f) else {
            continue;
        };
        assert!(
            list.windows(2).all(|w| w[0].ts() <= w[1].ts()),
            "{}",
            f.display()
        );
    }
}

/// Browser exports of ordinary browsing (Chrome DevTools over HTTP/2 with
/// pseudo-headers, Firefox over HTTP/3, Firefox/Chrome HTTP/1.1 and SPDY,
/// redirect chains) hold no authentication problem: no finding at all. The
/// Firefox export's `connection` member is the server port, not a connection.
#[test]
fn browser_exports_of_plain_browsing_report_nothing() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("har");
    let mut files: Vec<_> = files_under(&dir)
        .into_iter()
        .filter(|f| {
            let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|n| {
                n.starts_with("pagexray_")
                    || n == "mitmproxy_har_files_chrome.har"
                    || n == "mitmproxy_har_files_firefox.har"
            })
        })
        .collect();
    files.sort();
    assert!(files.len() >= 9, "found {} browser exports", files.len());
    for f in &files {
        let report = report_json(f);
        let codes = finding_codes(&report);
        assert!(codes.is_empty(), "{}: {codes:?}", f.display());
    }
    let firefox = report_json(&dir.join("mitmproxy_har_files_firefox.har"));
    let exchanges = firefox["exchanges"].as_array().cloned().unwrap_or_default();
    assert!(!exchanges.is_empty());
    assert!(exchanges.iter().all(|e| e["connection"].is_null()));
}
