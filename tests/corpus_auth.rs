//! The public captures of `../shared/corpus/auth/` through the built binary:
//! per file, the findings a reviewer would expect (and why), the ones that
//! would be wrong, and that the report names every scheme and user tshark
//! names for the same file.

mod common;

use common::{check_codes, corpus_dir, report_json};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

struct Case {
    file: &'static str,
    expected: &'static [&'static str],
    must_not: &'static [&'static str],
}

/// Codes no healthy login should produce.
const LOGIN_PROBLEMS: &[&str] = &[
    "invalid-credentials",
    "auth-loop",
    "missing-credentials",
    "connection-auth-broken",
    "login-redirect-loop",
    "cookie-not-returned",
    "session-expired",
    "failed-login-burst",
];

const CASES: &[Case] = &[
    // HTTP part of a synthetic multi-protocol file: IIS answers GET /certsrv/
    // with 401 and no WWW-Authenticate (missing-challenge; the client had no
    // scheme to answer, so no missing-credentials), and one Basic request to
    // /api/search goes over plain http.
    Case {
        file: "arkime_arkime_synthetic.pcap",
        expected: &["missing-challenge", "cleartext-credentials"],
        must_not: &[
            "missing-credentials",
            "invalid-credentials",
            "auth-loop",
            "login-redirect-loop",
        ],
    },
    // One Basic request answered 304: accepted, password in clear.
    Case {
        file: "arkime_http-basicauth.pcap",
        expected: &["cleartext-credentials"],
        must_not: LOGIN_PROBLEMS,
    },
    // One Digest request, no response captured: Digest sends no password, and
    // nothing was refused.
    Case {
        file: "arkime_http-digestauth.pcap",
        expected: &[],
        must_not: &[
            "cleartext-credentials",
            "invalid-credentials",
            "missing-credentials",
            "missing-challenge",
        ],
    },
    // NTLM 1-2-3 accepted on IPv4; on IPv6 the server offers Negotiate and the
    // client's Negotiate token is raw NTLMSSP (no Kerberos ticket).
    Case {
        file: "arkime_ntlm_synthetic.pcap",
        expected: &["kerberos-fallback-ntlm"],
        must_not: &[
            "connection-auth-broken",
            "invalid-credentials",
            "cleartext-credentials",
            "auth-loop",
        ],
    },
    // A browser sends Basic test:fail2 (wrong password) and gets 401 Basic:
    // the offered scheme, refused → invalid-credentials; once only, so no loop
    // or burst; credentials were sent, so not missing.
    Case {
        file: "ndpi_http_auth.pcap",
        expected: &["invalid-credentials", "cleartext-credentials"],
        must_not: &[
            "missing-credentials",
            "auth-loop",
            "failed-login-burst",
            "scheme-mismatch",
        ],
    },
    // curl WebDAV against IIS: every method does NTLM type 1 → 401 type 2 →
    // type 3 on one connection, and the type 3 is never refused with 401; the
    // PROPFIND after login gets 403 (forbidden). The 400/405 are WebDAV errors.
    Case {
        file: "ndpi_webdav-ntlm.pcap",
        expected: &["forbidden"],
        must_not: &[
            "connection-auth-broken",
            "invalid-credentials",
            "auth-loop",
            "cleartext-credentials",
            "missing-credentials",
        ],
    },
    // Form logins and a cookie session (the password is in a form body, which
    // no detector claims to read); the hijack demo replays a valid cookie from
    // another host, which is not one of our codes either.
    Case {
        file: "packets_http_dvwa_clearlogin.pcapng",
        expected: &[],
        must_not: LOGIN_PROBLEMS,
    },
    Case {
        file: "packets_http_post-login.pcapng",
        expected: &[],
        must_not: LOGIN_PROBLEMS,
    },
    Case {
        file: "packets_sessionhijacking.pcapng",
        expected: &[],
        must_not: LOGIN_PROBLEMS,
    },
    // /admin → 302 login, POST → cookie, pages, logout clears the cookie.
    Case {
        file: "pcap2har-go_insecure-cookie-login.pcap",
        expected: &[],
        must_not: LOGIN_PROBLEMS,
    },
    // One GET (with JSESSIONID cookies) → 401 Basic, capture ends. Apache's
    // Date is 8 min 16 s ahead of the capture clock (beyond the 5 min
    // tolerance). Whether the unanswered challenge is missing-credentials is
    // left to the engine: the request did carry session cookies.
    Case {
        file: "sv_bug-130_basic-401-challenge.pcap",
        expected: &["clock-skew"],
        must_not: &[
            "invalid-credentials",
            "auth-loop",
            "missing-challenge",
            "cleartext-credentials",
        ],
    },
    // A bare JWT in Authorization (no scheme) is a bearer token in clear; its
    // `exp` is after the capture, so not expired.
    Case {
        file: "sv_bug-7390_bare-jwt-authorization.pcap",
        expected: &["cleartext-credentials"],
        must_not: &["token-expired", "scheme-mismatch", "invalid-credentials"],
    },
    // RFC 6750's example token over http, answered 200.
    Case {
        file: "sv_http-auth-bearer.pcap",
        expected: &["cleartext-credentials"],
        must_not: LOGIN_PROBLEMS,
    },
    // Unknown scheme "Turbo": its value is sent as is and replayable.
    Case {
        file: "sv_http-auth-unrecognized.pcap",
        expected: &["cleartext-credentials"],
        must_not: LOGIN_PROBLEMS,
    },
    // "HTTP/1.1 401 ok" without WWW-Authenticate.
    Case {
        file: "sv_http-evader-454_401-no-challenge.pcap",
        expected: &["missing-challenge"],
        must_not: &[
            "missing-credentials",
            "proxy-auth-required",
            "invalid-credentials",
        ],
    },
    // "HTTP/1.1 407 ok" without Proxy-Authenticate.
    Case {
        file: "sv_http-evader-455_407-no-challenge.pcap",
        expected: &["missing-challenge", "proxy-auth-required"],
        must_not: &["missing-credentials", "invalid-credentials"],
    },
    // An anonymous 403: not "forbidden after login", and no challenge is due.
    Case {
        file: "sv_http-evader-457_403.pcap",
        expected: &[],
        must_not: &["forbidden", "missing-challenge", "missing-credentials"],
    },
    // Mattermost: "BEARER" (upper case) tokens accepted; scheme names are
    // case-insensitive (RFC 9110 §11.1).
    Case {
        file: "sv_http-post-file_uppercase-BEARER.pcap",
        expected: &["cleartext-credentials"],
        must_not: &["scheme-mismatch", "invalid-credentials", "auth-loop"],
    },
    // Basic test:"1:34" accepted. The server's Date is 428 days behind the
    // capture clock: the file's timestamps and its Date disagree, and the
    // finding says either clock may be wrong.
    Case {
        file: "zeek_basic-auth-with-colon.pcap",
        expected: &["cleartext-credentials", "clock-skew"],
        must_not: LOGIN_PROBLEMS,
    },
    Case {
        file: "zeek_basic-auth-with-extra-space.pcap",
        expected: &["cleartext-credentials"],
        must_not: LOGIN_PROBLEMS,
    },
    // SharePoint NTLM 1-2-3 → 302 → 200 inside ERSPAN: a successful login.
    // IIS's Date is 10 h 59 m ahead of the capture clock: a time-zone error.
    Case {
        file: "zeek_erspan-ntlm-sharepoint.pcap",
        expected: &["clock-skew"],
        must_not: &[
            "connection-auth-broken",
            "invalid-credentials",
            "cleartext-credentials",
            "auth-loop",
            "missing-credentials",
            "kerberos-fallback-ntlm",
        ],
    },
];

#[test]
fn every_auth_capture_has_a_case() {
    let Some(corpus) = corpus_dir() else { return };
    let listed: BTreeSet<&str> = CASES.iter().map(|c| c.file).collect();
    for f in common::files_under(&corpus.join("auth")) {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert!(
            listed.contains(name),
            "{name} has no case in tests/corpus_auth.rs"
        );
    }
}

#[test]
fn auth_corpus_findings_are_the_expected_ones() {
    let Some(corpus) = corpus_dir() else { return };
    let mut failures = Vec::new();
    for case in CASES {
        let report = report_json(&corpus.join("auth").join(case.file));
        check_codes(
            case.file,
            &report,
            case.expected,
            case.must_not,
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn erspan_skew_is_called_a_time_zone_error() {
    let Some(corpus) = corpus_dir() else { return };
    let r = report_json(&corpus.join("auth/zeek_erspan-ntlm-sharepoint.pcap"));
    let f = r["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == "clock-skew"))
        .expect("clock-skew");
    assert!(
        f["title"].as_str().unwrap_or("").contains("10h59m ahead"),
        "{f}"
    );
    assert!(
        f["explanation"]
            .as_str()
            .unwrap_or("")
            .contains("time-zone"),
        "{f}"
    );
}

/// Every string under `key` anywhere in `v`.
fn strings_named(v: &Value, key: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == key {
                    if let Some(s) = x.as_str() {
                        out.insert(s.to_string());
                    }
                }
                strings_named(x, key, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| strings_named(x, key, out)),
        _ => {}
    }
}

/// What the report names in its exchanges' credentials: (schemes lower-cased, users).
fn report_names(report: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut schemes, mut users) = (BTreeSet::new(), BTreeSet::new());
    for e in report["exchanges"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        strings_named(&e["credentials"], "scheme", &mut schemes);
        strings_named(&e["credentials"], "user", &mut users);
        strings_named(&e["credentials"], "username", &mut users);
    }
    let schemes = schemes
        .into_iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    (schemes, users)
}

/// What tshark names in HTTP requests: (schemes lower-cased, users).
fn tshark_names(file: &Path) -> Option<(BTreeSet<String>, BTreeSet<String>)> {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args(["-d", "tcp.port==8000,http", "-d", "tcp.port==8065,http"])
        .args(["-Y", "http.request", "-T", "fields", "-E", "separator=/t"])
        .args([
            "-e",
            "http.authbasic",
            "-e",
            "ntlmssp.auth.username",
            "-e",
            "http.authorization",
        ])
        .output()
        .ok()?;
    let (mut schemes, mut users) = (BTreeSet::new(), BTreeSet::new());
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut cols = line.split('\t');
        let basic = cols.next().unwrap_or("");
        let ntlm = cols.next().unwrap_or("");
        let authz = cols.next().unwrap_or("");
        if let Some((u, _)) = basic.split_once(':') {
            users.insert(u.to_string());
        }
        for u in ntlm.split(',').filter(|u| !u.is_empty() && *u != "NULL") {
            users.insert(u.to_string());
        }
        // A value without a space has no scheme token (bare JWT).
        if let Some((scheme, _)) = authz.trim().split_once(' ') {
            schemes.insert(scheme.to_ascii_lowercase());
        }
    }
    Some((schemes, users))
}

#[test]
fn report_names_every_scheme_and_user_tshark_names() {
    let Some(corpus) = corpus_dir() else { return };
    if Command::new("tshark").arg("-v").output().is_err() {
        eprintln!("SKIP: tshark not installed");
        return;
    }
    let mut failures = Vec::new();
    for case in CASES {
        let path = corpus.join("auth").join(case.file);
        let Some((t_schemes, t_users)) = tshark_names(&path) else {
            continue;
        };
        let (schemes, users) = report_names(&report_json(&path));
        for s in t_schemes.difference(&schemes) {
            failures.push(format!(
                "{}: tshark names scheme {s}, report has {schemes:?}",
                case.file
            ));
        }
        for u in t_users.difference(&users) {
            failures.push(format!(
                "{}: tshark names user {u}, report has {users:?}",
                case.file
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Users tshark cannot name (Digest) and the ones it does, checked directly so
/// the test means something where tshark is absent.
#[test]
fn known_users_are_named() {
    let Some(corpus) = corpus_dir() else { return };
    let known: &[(&str, &[&str])] = &[
        ("arkime_http-basicauth.pcap", &["userrrrr"]),
        ("arkime_http-digestauth.pcap", &["user12345678@domain.xxxx"]),
        ("arkime_ntlm_synthetic.pcap", &["dave", "eve"]),
        ("ndpi_http_auth.pcap", &["test"]),
        ("ndpi_webdav-ntlm.pcap", &["WebDAV"]),
        ("zeek_basic-auth-with-colon.pcap", &["test"]),
        ("zeek_basic-auth-with-extra-space.pcap", &["test"]),
        ("zeek_erspan-ntlm-sharepoint.pcap", &["administrator"]),
        ("arkime_arkime_synthetic.pcap", &["username"]),
    ];
    for (file, want) in known {
        let (_, users) = report_names(&report_json(&corpus.join("auth").join(file)));
        for u in *want {
            assert!(users.contains(*u), "{file}: {u} not in {users:?}");
        }
    }
}
