//! The browser profile: a cookie session behind a login form. Owns nothing;
//! receives the client, its conversation state and the exchange buffers;
//! emits one GET/POST and its 200/302/304/403 answer; must not know about TCP.

use super::http::{self, header, Body, Framing};
use super::rng::Rng;
use super::scenario::{framing, sized, Client, Conversation, Exchange};

const ACCEPT_HTML: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

pub fn browser(c: &Client, conv: &mut Conversation, ex: &mut Exchange<'_>, rng: &mut Rng) -> u16 {
    if conv.logged_in {
        browse(c, conv, ex, rng)
    } else {
        login(c, conv, ex, rng)
    }
}

fn cookie_header(c: &Client, conv: &Conversation, ex: &mut Exchange<'_>) {
    let cookie = format!(
        "_ga=GA1.2.{}.1709251200; theme=dark; session={}",
        1_000_000 + c.index,
        conv.session
    );
    header(ex.req, "Cookie", &cookie);
}

/// The login dance: a protected page redirects (302) to /login, the form is
/// fetched, then posted and answered with a session cookie (RFC 6265 §4.1).
fn login(c: &Client, conv: &mut Conversation, ex: &mut Exchange<'_>, rng: &mut Rng) -> u16 {
    let step = conv.login_step;
    conv.login_step += 1;
    match step {
        0 => {
            ex.get(c, "/dashboard", ACCEPT_HTML);
            http::finish_request(ex.req, "", &[]);
            let extra = [
                ("Location", "/login?next=%2Fdashboard"),
                ("Cache-Control", "no-store"),
            ];
            ex.respond(302, "Found", &extra, Body::None, rng)
        }
        1 => {
            ex.get(c, "/login?next=%2Fdashboard", ACCEPT_HTML);
            http::finish_request(ex.req, "", &[]);
            ex.respond(
                200,
                "OK",
                &[],
                Body::Html(sized(rng, 2000, 5000), Framing::Length),
                rng,
            )
        }
        _ => {
            http::request_line(ex.req, "POST", "/login", ex.host, c.ua);
            header(ex.req, "Accept", ACCEPT_HTML);
            header(ex.req, "Origin", "http://app.example.com");
            let form = format!(
                "username={}&password={}&next=%2Fdashboard",
                c.user, c.password
            );
            http::finish_request(ex.req, "application/x-www-form-urlencoded", form.as_bytes());
            conv.session.clear();
            rng.fill_hex(&mut conv.session, 32);
            conv.logged_in = true;
            let cookie = format!(
                "session={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600",
                conv.session
            );
            let extra = [("Location", "/dashboard"), ("Set-Cookie", cookie.as_str())];
            ex.respond(302, "Found", &extra, Body::None, rng)
        }
    }
}

fn browse(c: &Client, conv: &mut Conversation, ex: &mut Exchange<'_>, rng: &mut Rng) -> u16 {
    match rng.below(100) {
        0..=2 => {
            ex.get(c, "/account", ACCEPT_HTML);
            cookie_header(c, conv, ex);
            http::finish_request(ex.req, "", &[]);
            conv.logged_in = false;
            conv.login_step = 1;
            let extra = [
                ("Location", "/login?next=%2Faccount"),
                ("Set-Cookie", "session=; Path=/; Max-Age=0"),
            ];
            ex.respond(302, "Found", &extra, Body::None, rng)
        }
        3..=7 => {
            ex.get(c, "/admin/users", ACCEPT_HTML);
            cookie_header(c, conv, ex);
            http::finish_request(ex.req, "", &[]);
            ex.respond(403, "Forbidden", &[], Body::Html(500, Framing::Length), rng)
        }
        8..=29 => {
            let etag = format!("\"{:x}\"", rng.range(0x1000, 0xffff));
            ex.get(c, &format!("/static/app.{}.js", &etag[1..5]), "*/*");
            cookie_header(c, conv, ex);
            header(ex.req, "If-None-Match", &etag);
            http::finish_request(ex.req, "", &[]);
            ex.respond(304, "Not Modified", &[("ETag", &etag)], Body::None, rng)
        }
        30..=54 => {
            ex.get(c, "/api/feed", "application/json");
            cookie_header(c, conv, ex);
            http::finish_request(ex.req, "", &[]);
            ex.respond(
                200,
                "OK",
                &[],
                Body::Json(sized(rng, 2000, 8000), Framing::Chunked),
                rng,
            )
        }
        _ => {
            ex.get(c, &format!("/page/{}", rng.range(1, 500)), ACCEPT_HTML);
            cookie_header(c, conv, ex);
            http::finish_request(ex.req, "", &[]);
            ex.respond(
                200,
                "OK",
                &[],
                Body::Html(sized(rng, 1500, 9000), framing(rng)),
                rng,
            )
        }
    }
}
