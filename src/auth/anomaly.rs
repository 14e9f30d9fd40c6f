//! Typed anomalies of the auth parsers. Owns the [`AuthAnomaly`] vocabulary and
//! its stable snake_case codes (part of the JSON contract: add, never rename).
//! Receives nothing; every `parse_*` function pushes into a `Vec<AuthAnomaly>`
//! through [`note`]. Must not carry input bytes: an anomaly names what was
//! wrong, never the secret it was wrong about.

/// Something malformed or odd in an auth-related header or error page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthAnomaly {
    /// A header value over the decode limit was not decoded.
    ValueTooLarge,
    /// A challenge parameter value had spaces but no quotes (`realm=My Realm`).
    ChallengeUnquotedSpace,
    /// Two challenges or parameters without a comma between them.
    ChallengeMissingComma,
    /// The field ends with a comma.
    ChallengeTrailingComma,
    /// A quoted string never closes.
    ChallengeUnterminatedQuote,
    /// Something that is neither a parameter nor a token68 after a scheme.
    ChallengeBadParam,
    /// A parameter name occurs twice in one challenge (RFC 9110 §11.2 forbids it).
    ChallengeDuplicateParam,
    /// A list element does not start with a scheme token.
    ChallengeNoScheme,
    /// More challenges or parameters than we keep.
    ChallengeTooMany,
    /// More than one space between scheme and credentials.
    CredentialExtraSpace,
    /// Credentials with no scheme (a bare token).
    CredentialNoScheme,
    /// A scheme with nothing after it.
    CredentialEmpty,
    /// Basic credentials that are not base64.
    BasicBadBase64,
    /// Basic credentials without the `:` between user and password.
    BasicNoColon,
    /// Basic credentials that are not UTF-8.
    BasicNotUtf8,
    /// A JWT whose segment count is not 3 (JWS) or 5 (JWE).
    JwtBadSegments,
    /// A JWT segment that is not base64url.
    JwtBadBase64,
    /// A JWT header or claims segment that is not a JSON object.
    JwtBadJson,
    /// Digest credentials without `username`.
    DigestNoUsername,
    /// Digest credentials without `response`.
    DigestNoResponse,
    /// An NTLM or Negotiate token that is not base64.
    TokenBadBase64,
    /// An NTLM message without the `NTLMSSP\0` signature.
    NtlmBadSignature,
    /// An NTLM message shorter than its fixed header.
    NtlmTruncated,
    /// An NTLM field whose offset or length points outside the message.
    NtlmFieldOutOfBounds,
    /// Malformed AV pairs in NTLM target info.
    NtlmBadAvPairs,
    /// An NTLM message type other than 1, 2 or 3.
    NtlmUnknownType,
    /// A DER element runs past the end of its container.
    DerTruncated,
    /// A DER length that DER forbids (indefinite, over four bytes).
    DerBadLength,
    /// DER nesting deeper than we follow.
    DerTooDeep,
    /// A DER element of a type the structure does not allow there.
    DerUnexpected,
    /// A SigV4 `Credential=` that is not `key/date/region/service/aws4_request`.
    SigV4BadCredential,
    /// A SigV4 `X-Amz-Date` that is not `YYYYMMDDTHHMMSSZ`.
    SigV4BadDate,
    /// A `Cookie` pair without `=`.
    CookieNoEquals,
    /// More cookies than we keep.
    CookieTooMany,
    /// A `Set-Cookie` with no name (RFC 6265bis §5.7 keeps it with an empty name).
    SetCookieNoName,
    /// A `Set-Cookie` `Expires` that no cookie-date rule parses.
    SetCookieBadExpires,
    /// A `Set-Cookie` `Max-Age` that is not an integer.
    SetCookieBadMaxAge,
    /// A `Retry-After` that is neither seconds nor an HTTP date.
    RetryAfterBad,
    /// A rate-limit number that is not one.
    RateLimitBadNumber,
    /// A `RateLimit` structured field we could not read.
    RateLimitBadField,
    /// A server `Date` that is not an HTTP date.
    DateBad,
}

impl AuthAnomaly {
    /// The stable code.
    pub fn code(self) -> &'static str {
        use AuthAnomaly::*;
        match self {
            ValueTooLarge => "auth_value_too_large",
            ChallengeUnquotedSpace => "auth_challenge_unquoted_space",
            ChallengeMissingComma => "auth_challenge_missing_comma",
            ChallengeTrailingComma => "auth_challenge_trailing_comma",
            ChallengeUnterminatedQuote => "auth_challenge_unterminated_quote",
            ChallengeBadParam => "auth_challenge_bad_param",
            ChallengeDuplicateParam => "auth_challenge_duplicate_param",
            ChallengeNoScheme => "auth_challenge_no_scheme",
            ChallengeTooMany => "auth_challenge_too_many",
            CredentialExtraSpace => "auth_credential_extra_space",
            CredentialNoScheme => "auth_credential_no_scheme",
            CredentialEmpty => "auth_credential_empty",
            BasicBadBase64 => "auth_basic_bad_base64",
            BasicNoColon => "auth_basic_no_colon",
            BasicNotUtf8 => "auth_basic_not_utf8",
            JwtBadSegments => "auth_jwt_bad_segments",
            JwtBadBase64 => "auth_jwt_bad_base64",
            JwtBadJson => "auth_jwt_bad_json",
            DigestNoUsername => "auth_digest_no_username",
            DigestNoResponse => "auth_digest_no_response",
            TokenBadBase64 => "auth_token_bad_base64",
            NtlmBadSignature => "auth_ntlm_bad_signature",
            NtlmTruncated => "auth_ntlm_truncated",
            NtlmFieldOutOfBounds => "auth_ntlm_field_out_of_bounds",
            NtlmBadAvPairs => "auth_ntlm_bad_av_pairs",
            NtlmUnknownType => "auth_ntlm_unknown_type",
            DerTruncated => "auth_der_truncated",
            DerBadLength => "auth_der_bad_length",
            DerTooDeep => "auth_der_too_deep",
            DerUnexpected => "auth_der_unexpected",
            SigV4BadCredential => "auth_sigv4_bad_credential",
            SigV4BadDate => "auth_sigv4_bad_date",
            CookieNoEquals => "auth_cookie_no_equals",
            CookieTooMany => "auth_cookie_too_many",
            SetCookieNoName => "auth_set_cookie_no_name",
            SetCookieBadExpires => "auth_set_cookie_bad_expires",
            SetCookieBadMaxAge => "auth_set_cookie_bad_max_age",
            RetryAfterBad => "auth_retry_after_bad",
            RateLimitBadNumber => "auth_rate_limit_bad_number",
            RateLimitBadField => "auth_rate_limit_bad_field",
            DateBad => "auth_date_bad",
        }
    }
}

/// Most distinct anomalies kept per exchange.
pub const MAX_ANOMALIES: usize = 32;

/// Records `a` once (duplicates and anything past [`MAX_ANOMALIES`] are dropped).
pub fn note(out: &mut Vec<AuthAnomaly>, a: AuthAnomaly) {
    if out.len() < MAX_ANOMALIES && !out.contains(&a) {
        out.push(a);
    }
}
