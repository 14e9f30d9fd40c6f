//! No password, token or cookie value (nor its base64 form) reaches Debug,
//! Display or serde_json of an `AuthView`.

use super::{b64, exchange, key};
use crate::auth::AuthExtractor;
use crate::model::with_reveal;

#[test]
fn auth_view_never_shows_secret_values() {
    let password = "Tr0ub4dor&3-zebra";
    let basic = b64(format!("alice:{password}").as_bytes());
    let token = "opaque-token-6f1d2c9a7e";
    let cookie = "cookie-value-93ab1e77";
    let key_value = "apikey-0c4f8d2b";
    let jwt_sig = "c2VjcmV0LXNpZ25hdHVyZQ";
    let jwt = format!("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.{jwt_sig}");
    let e = exchange(
        &format!("/x?access_token={token}"),
        &[
            ("Authorization", &format!("Basic {basic}")),
            ("Proxy-Authorization", &format!("Bearer {jwt}")),
            ("Cookie", &format!("sid={cookie}")),
            ("X-Api-Key", key_value),
        ],
        401,
        &[
            ("Set-Cookie", &format!("sid={cookie}; HttpOnly")),
            ("WWW-Authenticate", "Basic realm=\"r\""),
        ],
        b"",
        0,
    );
    let v = AuthExtractor::new(key()).extract(&e);
    assert_eq!(v.credentials.len(), 2);
    let outputs = [
        format!("{v:?}"),
        format!("{v:#?}"),
        serde_json::to_string(&v).unwrap(),
        v.credentials
            .iter()
            .map(|c| match &c.kind {
                crate::model::CredentialKind::Basic { password, .. } => password.to_string(),
                crate::model::CredentialKind::Bearer { token, .. } => token.to_string(),
                _ => String::new(),
            })
            .collect(),
    ];
    for (i, out) in outputs.iter().enumerate() {
        for secret in [
            password,
            basic.as_str(),
            token,
            cookie,
            key_value,
            jwt_sig,
            jwt.as_str(),
        ] {
            assert!(!out.contains(secret), "leaked {secret} in {out}");
        }
        assert!(i == 3 || out.contains("alice"), "user names stay visible");
    }
    // The reveal path does show them, so the test above can fail.
    let revealed = with_reveal(true, || serde_json::to_string(&v).unwrap());
    assert!(revealed.contains(password) && revealed.contains(cookie));
}
