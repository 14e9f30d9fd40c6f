//! A hostile capture built in code: HTTP exchanges over Ethernet/IPv4/TCP
//! (valid handshakes and checksums, written by the generator's frame writer)
//! whose every displayable field carries terminal escape sequences, C1
//! controls, bidi overrides and zero-width characters, plus a HAR holding the
//! same payloads where JSON lets them into header names and the host. Enough
//! repeated 401s, redirects and 429s are in it that findings fire and quote the
//! hostile text. Credentials are made up.

use authscope::engine::{Engine, EngineConfig};
use authscope::model::AnalysisSnapshot;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;

pub mod har;
mod ntlm;
#[path = "../../examples/gencap/wire.rs"]
mod wire;

use ntlm::{ntlm, ntlm_authenticate, ntlm_challenge, ntlm_negotiate};

use wire::{CaptureWriter, Endpoint, FileFormat, Segment, ACK, FIN, PSH, SYN};

/// Escape sequences for fields that can carry any character once decoded
/// (Base64, JSON, UTF-16, percent-encoding, bodies): OSC title with BEL, CSI
/// clear screen and colour, an OSC 8 hyperlink ended by ST, backspace, CR,
/// 8-bit CSI and NEL as UTF-8, bidi override and isolates, RLM, zero width,
/// line separator, a deprecated format control, a tag character and an
/// interlinear annotation anchor.
/// No `:` so it also fits a Basic user name.
pub const C0: &str = "\u{1b}]0;pwned-title\u{7}\u{1b}[2J\u{1b}[31mRED\u{1b}]8;;evil.example\u{1b}\\link\u{1b}]8;;\u{1b}\\\u{8}\r\u{9b}6n\u{85}\u{202e}rlo\u{2066}lri\u{2069}\u{200f}\u{200b}zw\u{2028}ls\u{206a}iss\u{e0041}tag\u{fff9}ann";

/// What the sanitizer makes of the start of [`C0`]: visible, inert.
pub const C0_SHOWN: &str = "␛]0;pwned-title␇␛[2J";

/// Bytes an HTTP/1 head parser keeps in a field value: bidi override and
/// isolates, RLM, zero width, C1 as UTF-8 (8-bit CSI, OSC, ST) and as raw
/// bytes (CSI, NEL). Also the reason phrase of every response: not UTF-8
/// because of the raw bytes, so it is read as Latin-1 (C1 controls).
pub const HV: &[u8] = b"\xe2\x80\xaeRLO\xe2\x81\xa6LRI\xe2\x81\xa9\xe2\x80\x8f\xe2\x80\x8b\xc2\x9b31m\xc2\x9d0;c1title\xc2\x9c\x9b2J\x85end";

/// [`HV`] without its raw C1 bytes: a request target must be UTF-8 or the
/// head parser gives up on the request.
pub const HV_UTF8: &[u8] =
    b"\xe2\x80\xaeRLO\xe2\x81\xa6LRI\xe2\x81\xa9\xe2\x80\x8f\xe2\x80\x8b\xc2\x9b31m\xc2\x9d0;c1title\xc2\x9cend";

/// Capture time of the first packet: 2024-05-01T10:00:00Z.
pub const T0_SECS: u64 = 1_714_557_600;

/// A character that must never reach a terminal from the network: C0 (but
/// newline, which only the outputs themselves write), DEL, C1, bidi controls,
/// zero-width and other invisible format characters.
pub fn is_forbidden(c: char) -> bool {
    let u = c as u32;
    (c.is_control() && c != '\n')
        || (0x200b..=0x200f).contains(&u)
        || (0x202a..=0x202e).contains(&u)
        || (0x2060..=0x206f).contains(&u)
        || (0xfff9..=0xfffb).contains(&u)
        || (0xe0000..=0xe007f).contains(&u)
        || matches!(u, 0x061c | 0x180e | 0xfeff | 0x2028 | 0x2029)
}

/// Every forbidden character of `text` with its line, for assertion messages.
pub fn forbidden_in(text: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.chars().any(is_forbidden))
        .map(|(i, l)| format!("line {}: {l:?}", i + 1))
        .collect()
}

/// Each place where a sequence of [`C0`] shows without the visible ESC
/// symbol before it: an ESC that was dropped or passed through raw.
pub fn unescaped_markers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["]0;pwned-title", "[31mRED", "]8;;evil"] {
        for (at, _) in text.match_indices(marker) {
            let before = text.get(..at).and_then(|t| t.chars().last());
            if before != Some('\u{241b}') {
                out.push(format!("{marker:?} after {before:?}, not the ESC symbol"));
            }
        }
    }
    out
}

/// `path` through the whole pipeline, as `report` runs it.
pub fn analyse(path: &std::path::Path) -> AnalysisSnapshot {
    let name = path.to_string_lossy().into_owned();
    let mut src = authscope::source::open_inputs(&[name]).expect("open the fixture");
    let mut engine = Engine::new(EngineConfig::default());
    engine.set_credentials_stripped(src.credentials_stripped());
    while let Some(item) = src.next_item().expect("read the fixture") {
        engine.feed(item);
    }
    engine.finish();
    engine.snapshot(src.stats(), src.notes())
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// `Host:` value, the same in every request so the findings group.
fn host() -> Vec<u8> {
    cat(&[b"api", HV, b".example"])
}

fn request(method: &str, target: &[u8], fields: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = cat(&[method.as_bytes(), b" ", target, b" HTTP/1.1\r\nHost: "]);
    out.extend_from_slice(&host());
    out.extend_from_slice(b"\r\nUser-Agent: hostile-fixture\r\n");
    for (name, value) in fields {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

fn response(status: u16, fields: &[(&str, Vec<u8>)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} Denied").into_bytes();
    out.extend_from_slice(HV);
    out.extend_from_slice(b"\r\nServer: nginx/1.22 ");
    out.extend_from_slice(HV);
    out.extend_from_slice(b"\r\n");
    for (name, value) in fields {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

fn hostile_field() -> (&'static str, Vec<u8>) {
    ("X-Hostile", cat(&[b"v=", HV]))
}

fn target() -> Vec<u8> {
    cat(&[b"/admin/", HV_UTF8, b"?q=%1b%5d0%3bpwned%07&token=s3cr3t"])
}

fn error_body() -> Vec<u8> {
    format!("<html>access denied {C0}\n{C0}</html>\n").into_bytes()
}

/// Basic with an escape-laden user name, rejected six times.
fn basic_loop() -> Vec<(Vec<u8>, Vec<u8>)> {
    let creds = STANDARD.encode(format!("{C0}alice:wrong-pw{C0}"));
    let challenge = cat(&[b"Basic realm=\"ops", HV, b"\", charset=\"UTF-8\""]);
    (0..6)
        .map(|_| {
            let rq = request(
                "GET",
                &target(),
                &[
                    ("Authorization", format!("Basic {creds}").into_bytes()),
                    hostile_field(),
                ],
            );
            let rs = response(
                401,
                &[("WWW-Authenticate", challenge.clone()), hostile_field()],
                &error_body(),
            );
            (rq, rs)
        })
        .collect()
}

fn jwt() -> String {
    let head = serde_json::json!({"alg": format!("HS256{C0}"), "typ": "JWT", "kid": C0});
    let claims = serde_json::json!({
        "iss": format!("https://sso.example/{C0}"),
        "sub": format!("bob{C0}"),
        "aud": [C0, "api"],
        "scope": format!("read {C0}"),
        "iat": T0_SECS - 7200,
        "exp": T0_SECS - 3600,
    });
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(head.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(b"not-a-real-signature")
    )
}

/// An expired Bearer JWT with hostile claims, refused with a hostile challenge.
fn bearer_loop() -> Vec<(Vec<u8>, Vec<u8>)> {
    let challenge = cat(&[
        b"Bearer realm=\"api",
        HV,
        b"\", error=\"invalid_token\", error_description=\"token expired ",
        HV,
        b"\"",
    ]);
    (0..5)
        .map(|_| {
            let rq = request(
                "GET",
                &cat(&[b"/orders", HV_UTF8]),
                &[("Authorization", format!("Bearer {}", jwt()).into_bytes())],
            );
            let rs = response(401, &[("WWW-Authenticate", challenge.clone())], b"");
            (rq, rs)
        })
        .collect()
}

/// Digest with a quoted user name and a percent-encoded `username*`.
fn digest_loop() -> Vec<(Vec<u8>, Vec<u8>)> {
    let star: String = C0.bytes().map(|b| format!("%{b:02x}")).collect();
    let quoted = cat(&[
        b"Digest username=\"carol",
        HV,
        b"\", realm=\"dig",
        HV,
        b"\", nonce=\"abc\", uri=\"/d\", response=\"0123456789abcdef0123456789abcdef\"",
    ]);
    let starred = format!(
        "Digest username*=UTF-8''{star}, realm=\"dig\", nonce=\"abc\", uri=\"/d\", \
         response=\"0123456789abcdef0123456789abcdef\""
    );
    let challenge = cat(&[
        b"Digest realm=\"dig",
        HV,
        b"\", nonce=\"abc\", qop=\"auth\"",
    ]);
    (0..4)
        .map(|i| {
            let auth = if i % 2 == 0 {
                quoted.clone()
            } else {
                starred.clone().into_bytes()
            };
            let rq = request("GET", b"/d", &[("Authorization", auth)]);
            let rs = response(401, &[("WWW-Authenticate", challenge.clone())], b"");
            (rq, rs)
        })
        .collect()
}

/// A login redirect loop with hostile Location, Set-Cookie and Cookie.
fn redirect_loop() -> Vec<(Vec<u8>, Vec<u8>)> {
    let location = cat(&[b"/login", HV_UTF8, b"?next=%1b%5b2J"]);
    let set_cookie = cat(&[
        b"sess",
        HV,
        b"=v",
        HV,
        b"; Secure; HttpOnly; Path=/",
        HV,
        b"; Domain=example",
        HV,
        b"; SameSite=Lax",
        HV,
    ]);
    let cookie = cat(&[b"pref", HV, b"=dark", HV, b"; theme=x"]);
    (0..4)
        .map(|_| {
            let rq = request("GET", &location, &[("Cookie", cookie.clone())]);
            let rs = response(
                302,
                &[
                    ("Location", location.clone()),
                    ("Set-Cookie", set_cookie.clone()),
                ],
                b"",
            );
            (rq, rs)
        })
        .collect()
}

/// 429s with hostile rate-limit fields.
fn rate_limited() -> Vec<(Vec<u8>, Vec<u8>)> {
    (0..3)
        .map(|_| {
            let rq = request("GET", b"/rl", &[("X-API-Key", cat(&[b"k-", HV]))]);
            let rs = response(
                429,
                &[
                    ("Retry-After", cat(&[b"30", HV])),
                    ("RateLimit-Policy", cat(&[b"10;w=1", HV])),
                ],
                C0.as_bytes(),
            );
            (rq, rs)
        })
        .collect()
}

/// One TCP connection's worth of request/response pairs.
type Conversation = Vec<(Vec<u8>, Vec<u8>)>;

/// The hostile conversations: (client address last octet, exchanges).
fn conversations() -> Vec<(u8, Conversation)> {
    let type1 = (
        request("GET", b"/w", &[("Authorization", ntlm(&ntlm_negotiate()))]),
        response(401, &[("WWW-Authenticate", ntlm(&ntlm_challenge()))], b""),
    );
    let type3 = (
        request(
            "GET",
            b"/w",
            &[("Authorization", ntlm(&ntlm_authenticate()))],
        ),
        response(401, &[("WWW-Authenticate", b"NTLM".to_vec())], b""),
    );
    vec![
        (10, basic_loop()),
        (11, bearer_loop()),
        (12, digest_loop()),
        (13, redirect_loop()),
        (14, rate_limited()),
        // The type 3 answer on another connection: connection-auth-broken,
        // whose text names the hostile workstation.
        (15, vec![type1]),
        (15, vec![type3]),
    ]
}

/// Writes segments of one connection with a moving capture clock.
struct Wire {
    out: CaptureWriter<Vec<u8>>,
    ts_us: u64,
}

struct Tcp {
    client: Endpoint,
    server: Endpoint,
    client_seq: u32,
    server_seq: u32,
}

impl Wire {
    fn send(&mut self, tcp: &mut Tcp, from_client: bool, flags: u8, payload: &[u8]) {
        self.ts_us += 1_000;
        let (src, dst, seq, ack) = if from_client {
            (tcp.client, tcp.server, tcp.client_seq, tcp.server_seq)
        } else {
            (tcp.server, tcp.client, tcp.server_seq, tcp.client_seq)
        };
        let seg = Segment {
            src,
            dst,
            seq,
            ack: if flags & ACK != 0 { ack } else { 0 },
            flags,
            window: 64_240,
            mss: (flags & SYN != 0).then_some(1460),
            payload,
        };
        self.out
            .write_segment(self.ts_us, &seg)
            .expect("write to memory");
        let used = payload.len() as u32 + u32::from(flags & (SYN | FIN) != 0);
        let next = if from_client {
            &mut tcp.client_seq
        } else {
            &mut tcp.server_seq
        };
        *next = next.wrapping_add(used);
    }

    fn data(&mut self, tcp: &mut Tcp, from_client: bool, bytes: &[u8]) {
        for chunk in bytes.chunks(1400) {
            self.send(tcp, from_client, ACK | PSH, chunk);
        }
        self.send(tcp, !from_client, ACK, &[]);
    }

    fn connection(&mut self, client_octet: u8, port: u16, exchanges: &Conversation) {
        let ip = [10, 0, 66, client_octet];
        let mut tcp = Tcp {
            client: Endpoint {
                mac: [2, 0, 10, 0, 66, client_octet],
                ip,
                port,
            },
            server: Endpoint {
                mac: [2, 0, 192, 0, 2, 80],
                ip: [192, 0, 2, 80],
                port: 80,
            },
            client_seq: 1_000 + u32::from(port),
            server_seq: 900_000 + u32::from(port),
        };
        self.send(&mut tcp, true, SYN, &[]);
        self.send(&mut tcp, false, SYN | ACK, &[]);
        self.send(&mut tcp, true, ACK, &[]);
        for (rq, rs) in exchanges {
            self.ts_us += 200_000;
            self.data(&mut tcp, true, rq);
            self.data(&mut tcp, false, rs);
        }
        self.send(&mut tcp, true, FIN | ACK, &[]);
        self.send(&mut tcp, false, FIN | ACK, &[]);
        self.send(&mut tcp, true, ACK, &[]);
    }
}

/// The hostile capture as classic pcap bytes.
pub fn hostile_pcap() -> Vec<u8> {
    let out = CaptureWriter::new(Vec::new(), FileFormat::Pcap).expect("pcap header");
    let mut wire = Wire {
        out,
        ts_us: T0_SECS * 1_000_000,
    };
    for (i, (octet, exchanges)) in conversations().iter().enumerate() {
        wire.connection(*octet, 40_000 + i as u16, exchanges);
    }
    wire.out.finish().expect("flush to memory")
}
