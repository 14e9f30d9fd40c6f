//! What each simulated client does on a keep-alive connection, one exchange at
//! a time. Owns the client profiles, the server table and per-connection
//! scenario state; receives the step to play and a PRNG; emits one request and
//! one response (bytes) plus the status code; must not know about TCP.

use super::http::{self, header, Body, Framing};
use super::rng::Rng;

/// A server: Host header value, address and port.
pub struct Server {
    pub host: &'static str,
    pub ip: [u8; 4],
    pub port: u16,
}

pub const SERVERS: [Server; 4] = [
    Server {
        host: "app.example.com",
        ip: [192, 0, 2, 10],
        port: 80,
    },
    Server {
        host: "api.example.com:8080",
        ip: [192, 0, 2, 20],
        port: 8080,
    },
    Server {
        host: "intranet.example.org",
        ip: [192, 0, 2, 30],
        port: 80,
    },
    Server {
        host: "sso.example.net:8080",
        ip: [192, 0, 2, 40],
        port: 8080,
    },
];

const BASIC_REALM: &str = "Basic realm=\"Intranet\", charset=\"UTF-8\"";
const DIGEST_REALM: &str = "staff@sso.example.net";

/// What kind of client this is; fixed per client address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Cookie session: redirected to /login, posts a form, then browses.
    Browser,
    /// Bearer JWT API client; sometimes no token or an expired one.
    Api,
    /// Basic: a 401 challenge first, then credentials.
    Basic,
    /// Digest: a 401 challenge with a nonce, then credentials.
    Digest,
    /// NTLM's three-message handshake bound to the connection.
    Ntlm,
    /// Keeps sending a wrong Basic password and gets 401 after 401.
    WrongPassword,
    /// Fires requests faster than allowed and gets 429 with Retry-After.
    Burst,
}

impl Profile {
    pub fn for_client(hash: u64) -> Self {
        match hash % 100 {
            0..=34 => Self::Browser,
            35..=59 => Self::Api,
            60..=71 => Self::Basic,
            72..=78 => Self::Digest,
            79..=85 => Self::Ntlm,
            86..=92 => Self::WrongPassword,
            _ => Self::Burst,
        }
    }

    pub fn server(self, rng: &mut Rng) -> usize {
        match self {
            Self::Browser => 0,
            Self::Api | Self::Burst => 1,
            Self::Basic | Self::WrongPassword | Self::Ntlm => 2,
            Self::Digest => 2 + rng.below(2),
        }
    }

    pub fn exchanges(self, rng: &mut Rng) -> u32 {
        let (lo, hi) = match self {
            Self::Browser => (3, 15),
            Self::Api => (5, 30),
            Self::Basic => (2, 10),
            Self::Digest => (2, 8),
            Self::Ntlm => (3, 12),
            Self::WrongPassword => (10, 40),
            Self::Burst => (15, 40),
        };
        rng.range(lo, hi) as u32
    }
}

/// A client's fixed identity: made-up user, password, token and browser.
pub struct Client {
    pub index: u32,
    pub profile: Profile,
    pub user: String,
    pub password: String,
    pub jwt: String,
    pub ua: &'static str,
}

impl Client {
    pub fn new(index: u32, seed: u64, epoch_secs: u64) -> Self {
        let mut rng = Rng::new(seed ^ u64::from(index).wrapping_mul(0xA24B_AED4_963E_E407));
        let profile = Profile::for_client(rng.next_u64());
        let user = format!("user{index:05}");
        let jwt = http::jwt(&user, epoch_secs, &mut rng);
        let ua = rng.pick(http::USER_AGENTS).copied().unwrap_or("curl/8.5.0");
        Self {
            index,
            profile,
            password: format!("demo-pass-{index}"),
            user,
            jwt,
            ua,
        }
    }
}

/// Per-connection scenario state.
#[derive(Debug, Default)]
pub struct Conversation {
    pub step: u32,
    pub logged_in: bool,
    pub login_step: u32,
    pub session: String,
    pub nonce: String,
}

/// The request and response buffers one exchange is written into.
pub struct Exchange<'a> {
    pub host: &'a str,
    pub now_secs: u64,
    pub req: &'a mut Vec<u8>,
    pub resp: &'a mut Vec<u8>,
}

impl Exchange<'_> {
    pub fn get(&mut self, c: &Client, target: &str, accept: &str) {
        http::request_line(self.req, "GET", target, self.host, c.ua);
        header(self.req, "Accept", accept);
        header(self.req, "Accept-Language", "en-US,en;q=0.7");
        header(self.req, "Accept-Encoding", "gzip, deflate");
    }

    pub fn respond(
        &mut self,
        code: u16,
        reason: &str,
        extra: &[(&str, &str)],
        body: Body,
        rng: &mut Rng,
    ) -> u16 {
        http::status_line(self.resp, code, reason, self.now_secs);
        for (name, value) in extra {
            header(self.resp, name, value);
        }
        http::finish_response(self.resp, body, rng);
        code
    }
}

/// Plays step `conv.step` of `client`'s profile and returns the status code.
pub fn play(client: &Client, conv: &mut Conversation, ex: &mut Exchange<'_>, rng: &mut Rng) -> u16 {
    let code = match client.profile {
        Profile::Browser => super::browse::browser(client, conv, ex, rng),
        Profile::Api => api(client, ex, rng),
        Profile::Basic => basic(client, conv.step, ex, rng),
        Profile::Digest => digest(client, conv, ex, rng),
        Profile::Ntlm => ntlm(client, conv.step, ex, rng),
        Profile::WrongPassword => wrong_password(client, conv.step, ex, rng),
        Profile::Burst => burst(client, conv.step, ex, rng),
    };
    conv.step += 1;
    code
}

pub fn sized(rng: &mut Rng, lo: u64, hi: u64) -> usize {
    rng.range(lo, hi) as usize
}

pub fn framing(rng: &mut Rng) -> Framing {
    if rng.chance(0.5) {
        Framing::Chunked
    } else {
        Framing::Length
    }
}

fn api(c: &Client, ex: &mut Exchange<'_>, rng: &mut Rng) -> u16 {
    let roll = rng.below(100);
    let page = rng.range(1, 50);
    if (20..35).contains(&roll) {
        let body = format!("{{\"sku\":\"W-{page}\",\"qty\":{}}}", rng.range(1, 9));
        http::request_line(ex.req, "POST", "/api/v1/orders", ex.host, c.ua);
        header(ex.req, "Accept", "application/json");
        header(ex.req, "Authorization", &format!("Bearer {}", c.jwt));
        http::finish_request(ex.req, "application/json", body.as_bytes());
        return ex.respond(
            200,
            "OK",
            &[],
            Body::Json(sized(rng, 200, 900), Framing::Length),
            rng,
        );
    }
    ex.get(c, &format!("/api/v1/items?page={page}"), "application/json");
    match roll {
        0..=2 => {
            http::finish_request(ex.req, "", &[]);
            ex.respond(
                401,
                "Unauthorized",
                &[("WWW-Authenticate", "Bearer realm=\"api\"")],
                Body::None,
                rng,
            )
        }
        3..=7 => {
            header(ex.req, "Authorization", &format!("Bearer {}", c.jwt));
            http::finish_request(ex.req, "", &[]);
            let challenge = "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The access token expired\"";
            ex.respond(
                401,
                "Unauthorized",
                &[("WWW-Authenticate", challenge)],
                Body::Json(60, Framing::Length),
                rng,
            )
        }
        _ => {
            header(ex.req, "Authorization", &format!("Bearer {}", c.jwt));
            http::finish_request(ex.req, "", &[]);
            let body = Body::Json(sized(rng, 1500, 9000), framing(rng));
            ex.respond(200, "OK", &[("Cache-Control", "no-store")], body, rng)
        }
    }
}

fn basic(c: &Client, step: u32, ex: &mut Exchange<'_>, rng: &mut Rng) -> u16 {
    let admin = step > 0 && rng.chance(0.05);
    let target = if admin {
        "/admin/settings".to_string()
    } else {
        format!("/wiki/page-{}", rng.range(1, 400))
    };
    ex.get(c, &target, "text/html,application/xhtml+xml");
    if step == 0 {
        http::finish_request(ex.req, "", &[]);
        return ex.respond(
            401,
            "Unauthorized",
            &[("WWW-Authenticate", BASIC_REALM)],
            Body::Html(300, Framing::Length),
            rng,
        );
    }
    header(
        ex.req,
        "Authorization",
        &http::basic_credentials(&c.user, &c.password),
    );
    if rng.chance(0.2) {
        header(ex.req, "If-None-Match", "\"5f3a-61c0e2b1\"");
        http::finish_request(ex.req, "", &[]);
        return ex.respond(
            304,
            "Not Modified",
            &[("ETag", "\"5f3a-61c0e2b1\"")],
            Body::None,
            rng,
        );
    }
    http::finish_request(ex.req, "", &[]);
    if admin {
        return ex.respond(403, "Forbidden", &[], Body::Html(400, Framing::Length), rng);
    }
    ex.respond(
        200,
        "OK",
        &[],
        Body::Html(sized(rng, 1500, 9000), framing(rng)),
        rng,
    )
}

fn digest(c: &Client, conv: &mut Conversation, ex: &mut Exchange<'_>, rng: &mut Rng) -> u16 {
    let uri = format!("/reports/{}", rng.range(1, 90));
    ex.get(c, &uri, "text/html");
    let stale = conv.step > 1 && rng.chance(0.05);
    if conv.step == 0 || stale {
        conv.nonce.clear();
        rng.fill_hex(&mut conv.nonce, 32);
        let mut challenge = http::digest_challenge(DIGEST_REALM, &conv.nonce);
        if stale {
            challenge.push_str(", stale=true");
            header(
                ex.req,
                "Authorization",
                &http::digest_credentials(&c.user, DIGEST_REALM, "0badc0de", &uri, rng),
            );
        }
        http::finish_request(ex.req, "", &[]);
        return ex.respond(
            401,
            "Unauthorized",
            &[("WWW-Authenticate", &challenge)],
            Body::None,
            rng,
        );
    }
    let creds = http::digest_credentials(&c.user, DIGEST_REALM, &conv.nonce, &uri, rng);
    header(ex.req, "Authorization", &creds);
    http::finish_request(ex.req, "", &[]);
    ex.respond(
        200,
        "OK",
        &[],
        Body::Html(sized(rng, 1500, 6000), framing(rng)),
        rng,
    )
}

fn ntlm(c: &Client, step: u32, ex: &mut Exchange<'_>, rng: &mut Rng) -> u16 {
    ex.get(c, "/sharepoint/default.aspx", "text/html");
    match step {
        0 => {
            http::finish_request(ex.req, "", &[]);
            let extra = [
                ("WWW-Authenticate", "Negotiate"),
                ("WWW-Authenticate", "NTLM"),
            ];
            ex.respond(
                401,
                "Unauthorized",
                &extra,
                Body::Html(200, Framing::Length),
                rng,
            )
        }
        1 => {
            header(
                ex.req,
                "Authorization",
                &http::ntlm_message(1, &c.user, rng),
            );
            http::finish_request(ex.req, "", &[]);
            let challenge = http::ntlm_message(2, &c.user, rng);
            ex.respond(
                401,
                "Unauthorized",
                &[("WWW-Authenticate", &challenge)],
                Body::None,
                rng,
            )
        }
        2 => {
            header(
                ex.req,
                "Authorization",
                &http::ntlm_message(3, &c.user, rng),
            );
            http::finish_request(ex.req, "", &[]);
            ex.respond(
                200,
                "OK",
                &[],
                Body::Html(sized(rng, 2000, 8000), Framing::Length),
                rng,
            )
        }
        _ => {
            http::finish_request(ex.req, "", &[]);
            ex.respond(
                200,
                "OK",
                &[],
                Body::Html(sized(rng, 1500, 8000), framing(rng)),
                rng,
            )
        }
    }
}

fn wrong_password(c: &Client, step: u32, ex: &mut Exchange<'_>, rng: &mut Rng) -> u16 {
    ex.get(c, "/wiki/home", "text/html");
    let guess = if c.index % 2 == 0 { 0 } else { step };
    let password = format!("wrong-guess-{guess}");
    header(
        ex.req,
        "Authorization",
        &http::basic_credentials(&c.user, &password),
    );
    http::finish_request(ex.req, "", &[]);
    ex.respond(
        401,
        "Unauthorized",
        &[("WWW-Authenticate", BASIC_REALM)],
        Body::Html(300, Framing::Length),
        rng,
    )
}

fn burst(c: &Client, step: u32, ex: &mut Exchange<'_>, rng: &mut Rng) -> u16 {
    const LIMIT: u32 = 10;
    ex.get(
        c,
        &format!("/api/v1/search?q=term{}", rng.range(1, 999)),
        "application/json",
    );
    header(ex.req, "Authorization", &format!("Bearer {}", c.jwt));
    http::finish_request(ex.req, "", &[]);
    if step < LIMIT {
        let remaining = (LIMIT - 1 - step).to_string();
        let extra = [
            ("RateLimit-Limit", "10"),
            ("RateLimit-Remaining", remaining.as_str()),
        ];
        return ex.respond(
            200,
            "OK",
            &extra,
            Body::Json(sized(rng, 300, 1200), Framing::Length),
            rng,
        );
    }
    let extra = [
        ("Retry-After", "30"),
        ("RateLimit-Limit", "10"),
        ("RateLimit-Remaining", "0"),
    ];
    ex.respond(
        429,
        "Too Many Requests",
        &extra,
        Body::Json(80, Framing::Length),
        rng,
    )
}
