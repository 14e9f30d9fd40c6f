//! The hostile HAR: JSON lets every character into the host, header names
//! and values, cookies and the status text.

use super::C0;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

fn har_header(name: &str, value: &str) -> serde_json::Value {
    serde_json::json!({"name": name, "value": value})
}

/// One HAR entry whose URL host, header names and values, cookies and
/// status text carry [`C0`] (JSON allows every character).
fn har_entry(i: u64) -> serde_json::Value {
    let started = format!("2024-05-01T10:00:{:02}.000Z", i);
    // The last entry is a 429 without a challenge, whose reason the ladder shows.
    let (status, challenge) = if i < 6 {
        (401, "WWW-Authenticate")
    } else {
        (429, "X-Not-A-Challenge")
    };
    serde_json::json!({
        "startedDateTime": started,
        "time": 5,
        "request": {
            "method": "GET",
            "url": format!("http://har{}.example/p/{}?x={}", "\u{202e}", C0, C0),
            "httpVersion": "HTTP/1.1",
            "headers": [
                har_header("Host", &format!("har{C0}.example")),
                har_header(&format!("X-Name{C0}"), &format!("value{C0}")),
                har_header("Authorization", &format!("Basic {}", STANDARD.encode(format!("{C0}erin:pw")))),
                har_header("Cookie", &format!("c{C0}=v{C0}")),
            ],
            "cookies": [{"name": format!("c{C0}"), "value": format!("v{C0}")}],
            "queryString": [],
            "headersSize": -1,
            "bodySize": 0
        },
        "response": {
            "status": status,
            "statusText": format!("Nope{C0}"),
            "httpVersion": "HTTP/1.1",
            "headers": [
                har_header(challenge, &format!("Basic realm=\"{C0}\"")),
                har_header("Retry-After", &format!("9{C0}")),
                har_header(&format!("X-Resp{C0}"), C0),
                har_header("Set-Cookie", &format!("s{C0}=1; Secure; Path=/{C0}")),
                har_header("Location", &format!("/login{C0}")),
            ],
            "cookies": [],
            "content": {"size": 20, "mimeType": "text/html", "text": format!("denied {C0}")},
            "redirectURL": format!("/login{C0}"),
            "headersSize": -1,
            "bodySize": 20
        },
        "cache": {},
        "timings": {"send": 0, "wait": 5, "receive": 0}
    })
}

/// A HAR with six hostile 401 entries (an auth loop) and a 429.
pub fn hostile_har() -> String {
    let entries: Vec<serde_json::Value> = (0..7).map(har_entry).collect();
    serde_json::json!({
        "log": {
            "version": "1.2",
            "creator": {"name": format!("hostile{C0}"), "version": "1"},
            "entries": entries
        }
    })
    .to_string()
}
