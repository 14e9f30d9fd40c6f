//! Unit tests of the HAR source: sanitized-export detection, the status
//! prescan and producer quirks of the `connection` member.

use super::*;

#[test]
fn credential_header_names_count_only_as_names() {
    assert!(names_credential_header(
        br#"{"name": "cookie", "value": "a=b"}"#
    ));
    assert!(names_credential_header(b"{\"name\"\n  :\"set-cookie\"}"));
    assert!(names_credential_header(
        br#"[["authorization", "Basic eDp5"]]"#
    ));
    assert!(!names_credential_header(
        br#"{"name": "vary", "value": "cookie"}"#
    ));
    assert!(!names_credential_header(
        br#"{"name": "access-control-request-headers", "value": "authorization"}"#
    ));
    assert!(!names_credential_header(br#"{"cookie": 1}"#));
}

#[test]
fn auth_status_is_found_with_any_spacing() {
    assert!(has_auth_status(br#"{"status": 401, "x": 1}"#));
    assert!(has_auth_status(b"\"status\"\n :407}"));
    assert!(!has_auth_status(br#"{"status": 4010}"#));
    assert!(!has_auth_status(br#"{"status": 200, "statusText": "401"}"#));
}

fn har_file(dir: &tempfile::TempDir, creator: &str, status: u16, header: &str) -> String {
    let doc = format!(
        r#"{{"log":{{"creator":{{"name":"{creator}"}},"entries":[{{"startedDateTime":"2024-01-01T00:00:00Z",
        "request":{{"method":"GET","url":"http://h/","headers":[{header}]}},
        "response":{{"status":{status},"headers":[]}}}}]}}}}"#
    );
    let p = dir.path().join(format!("{creator}{status}.har"));
    std::fs::write(&p, doc).expect("write");
    p.to_string_lossy().into_owned()
}

#[test]
fn firefox_connection_member_is_a_port_not_an_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (creator, known) in [
        ("Firefox", false),
        ("Firebug", false),
        ("WebInspector", true),
    ] {
        let doc = format!(
            r#"{{"log":{{"creator":{{"name":"{creator}"}},"entries":[{{"startedDateTime":"2024-01-01T00:00:00Z",
            "connection":"443","request":{{"method":"GET","url":"https://h/"}},"response":{{"status":200}}}}]}}}}"#
        );
        let p = dir.path().join(format!("{creator}.har"));
        std::fs::write(&p, doc).expect("write");
        let got = read_all(&p).expect("read");
        let conn = got.first().and_then(|ex| ex.origin.conn());
        assert_eq!(conn.is_some(), known, "{creator}");
    }
}

#[test]
fn sanitized_exports_are_detected_by_creator_or_challenge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("WebInspector", 200, "", true),
        ("Firefox", 401, "", true),
        ("Firefox", 200, "", false),
        (
            "Firefox",
            401,
            r#"{"name":"Authorization","value":"Basic eDp5"}"#,
            false,
        ),
        (
            "WebInspector",
            401,
            r#"{"name":"cookie","value":"a=b"}"#,
            false,
        ),
    ];
    for (creator, status, header, stripped) in cases {
        let p = har_file(&dir, creator, status, header);
        let src = open(Path::new(&p), &p).expect("open");
        assert_eq!(
            src.credentials_stripped(),
            stripped,
            "{creator} {status} {header}"
        );
        assert_eq!(
            src.notes().iter().any(|n| n.contains("sanitized")),
            stripped
        );
    }
}

#[test]
fn entries_from_the_browser_cache_are_left_out_with_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let entry = |path: &str, cache: &str| {
        format!(
            r#"{{"startedDateTime":"2024-01-01T00:00:00Z",{cache}
            "request":{{"method":"GET","url":"https://h{path}"}},"response":{{"status":200}}}}"#
        )
    };
    let doc = format!(
        r#"{{"log":{{"creator":{{"name":"WebInspector"}},"entries":[{},{},{}]}}}}"#,
        entry("/api", ""),
        entry("/app.js", r#""_fromCache":"memory","#),
        entry("/logo.png", r#""_fromCache":"disk","#)
    );
    let p = dir.path().join("cache.har");
    std::fs::write(&p, doc).expect("write");
    let got = read_all(&p).expect("read");
    let targets: Vec<&str> = got
        .iter()
        .filter_map(|ex| ex.request.as_ref().map(|r| r.target.as_str()))
        .collect();
    assert_eq!(targets, ["/api"]);
    let mut src = open(&p, "cache.har").expect("open");
    while let Ok(Some(_)) = src.next_item() {}
    assert!(
        src.notes()
            .iter()
            .any(|n| n.contains("2 HAR entries were answered from the browser's own cache")),
        "{:?}",
        src.notes()
    );
}
