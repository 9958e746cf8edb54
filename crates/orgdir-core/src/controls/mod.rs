//! The emulator controls an org's tests set and read at run time (SPEC 11,
//! API-DESIGN 166–171): the request journal and the fault rules. Both live
//! in memory, per process and per org, bounded; neither writes to the
//! database. A reset or a deletion of the org forgets both
//! ([`Controls::forget`]).

pub mod faults;
pub mod journal;

use crate::OrgId;

pub use faults::{Faults, Fired};
pub use journal::Journal;

/// Every run-time control of every org this process serves.
#[derive(Default)]
pub struct Controls {
    pub journal: Journal,
    pub faults: Faults,
}

impl Controls {
    /// Forgets the journal and the fault rules of `org` (reset, deletion).
    pub fn forget(&self, org: OrgId) {
        self.journal.clear(org);
        self.faults.clear(org);
    }
}

/// Whether `text` matches `pattern`, where `*` stands for any run of
/// characters (`/` included) and everything else for itself; the whole
/// text must match.
pub fn pattern_matches(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    // The last `*` seen and the text position it was tried at.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::pattern_matches;

    #[test]
    fn patterns() {
        assert!(pattern_matches(
            "/crm/*/users/actions/count",
            "/crm/v8/users/actions/count"
        ));
        assert!(!pattern_matches(
            "/crm/*/users/actions/count",
            "/crm/v8/users/actions/counts"
        ));
        assert!(pattern_matches("/crm/*", "/crm/v8/users"));
        assert!(pattern_matches("*", ""));
        assert!(pattern_matches("/a/*/c/*", "/a/b/c/d/e"));
        assert!(!pattern_matches("/a/b", "/a/b/c"));
        assert!(pattern_matches("*count", "/crm/v2/users/actions/count"));
    }
}
