//! The emulator controls an org's tests set and read at run time (SPEC 11,
//! API-DESIGN 166–173): the request journal, the fault rules, the API
//! limits and the clock. All live in memory, per process and per org,
//! bounded; none writes to the database. A reset or a deletion of the org
//! forgets them ([`Controls::forget`]).

pub mod clock;
pub mod faults;
pub mod journal;
pub mod limits;

use crate::OrgId;

pub use clock::Clocks;
pub use faults::{Faults, Fired};
pub use journal::Journal;
pub use limits::Limits;

/// Every run-time control of every org this process serves.
#[derive(Default)]
pub struct Controls {
    pub journal: Journal,
    pub faults: Faults,
    pub limits: Limits,
    pub clocks: Clocks,
}

impl Controls {
    /// Forgets every control of `org` (reset, deletion): its journal, rules,
    /// limits with the credits spent, and its clock's offset.
    pub fn forget(&self, org: OrgId) {
        self.journal.clear(org);
        self.faults.clear(org);
        self.limits.clear(org);
        self.clocks.clear(org);
    }

    /// Whether a call must learn its org before its handler runs: some org
    /// holds a rule, a limit or a moved clock (three atomic loads).
    pub fn shape_calls(&self) -> bool {
        self.faults.any() || self.limits.any() || self.clocks.any()
    }

    /// Now on `org`'s clock, in Unix seconds.
    pub fn now(&self, org: OrgId) -> i64 {
        chrono::Utc::now()
            .timestamp()
            .saturating_add(self.clocks.offset(org))
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
