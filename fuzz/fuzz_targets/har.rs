//! The HAR reader, on a temporary file holding the input (the reader streams
//! from a file). Every entry is also run through the auth extractor, as the
//! pipeline would.
#![no_main]

use authscope::auth::AuthExtractor;
use authscope::model::FingerprintKey;
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if file.write_all(data).and_then(|()| file.flush()).is_err() {
        return;
    }
    let Ok(exchanges) = authscope::source::har::read_all(file.path()) else {
        return;
    };
    let mut auth = AuthExtractor::new(FingerprintKey::fixed(7));
    for ex in &exchanges {
        drop(auth.extract(ex));
    }
});
