//! OAuth scope strings (`scope=` of the authorization and token requests,
//! `scopes` of a minted token). Parsing never panics, and what parses
//! survives its stored form: the token store writes `ScopeSet`'s Display
//! and parses it back when the token is used, so a set whose text does not
//! parse back to the same set would be a token that answers 500.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orgdir_core::oauth::grantable;
use orgdir_core::scopes::{Scope, ScopeSet};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(scope) = Scope::parse(text) {
        let again = Scope::parse(&scope.to_string()).expect("a scope's text parses back");
        assert_eq!(again, scope);
        assert!(scope.grants(&scope), "a scope grants itself");
    }
    if let Ok(set) = ScopeSet::parse(text) {
        let stored = set.to_string();
        let again = ScopeSet::parse(&stored).expect("the stored form parses back");
        assert_eq!(again, set, "stored as {stored:?}");
        assert!(set.grants_all(&set.iter().cloned().collect::<Vec<_>>()));
        if !set.is_empty() {
            let kept = grantable(&set, &set).expect("a set grants itself");
            assert_eq!(kept, set);
        }
    }
});
