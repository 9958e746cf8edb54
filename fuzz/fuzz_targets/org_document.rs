//! The org document (`orgdir import`, `POST /_orgdir/orgs/import`, the
//! dashboard's import): parsing and validation never panic, and a document
//! that validates survives its own export form (serialise, parse again:
//! the same document, still valid).
#![no_main]

use libfuzzer_sys::fuzz_target;
use orgdir_core::document;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(doc) = document::parse(text) else {
        return;
    };
    if document::validate(&doc).is_err() {
        return;
    }
    let written = serde_json::to_string(&doc).expect("a document serialises");
    let again = document::parse(&written).expect("a written document parses");
    assert_eq!(again, doc, "round trip through {written}");
    document::validate(&again).expect("a written document still validates");
});
