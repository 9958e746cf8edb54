//! `orgdir check`: every maintained count recounted from scratch and
//! compared with what the server reads — user buckets, territory member
//! counts, the group membership model (what each group reaches and covers,
//! live users per role, cross counts; recomputed in Rust by [`membership`])
//! and every group's member count, and the listing positions.

mod membership;

use crate::service::Directory;
use crate::users::UserBucket;
use crate::{OrgId, Result};

/// One maintained count that differs from its recount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// What is counted: `users`, `territory members`, `group members`, or a
    /// part of the membership model or of the listings.
    pub what: &'static str,
    /// Which bucket, territory or group (the org, for a part).
    pub id: String,
    /// The stored value (for a part: 0).
    pub maintained: i64,
    /// The value from scratch (for a part: how many of its rows differ).
    pub recounted: i64,
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: maintained {}, recounted {}",
            self.what, self.id, self.maintained, self.recounted
        )
    }
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Recounts everything maintained for `org`; empty when all is exact.
pub async fn check(dir: &Directory, org: OrgId) -> Result<Vec<Drift>> {
    let store = dir.store();
    let mut drifts = Vec::new();
    let (maintained, recounted) = (
        store.user_counts(org).await?.value,
        store.recount_users(org).await?,
    );
    for bucket in UserBucket::all() {
        let (m, r) = (maintained.in_bucket(bucket), recounted.in_bucket(bucket));
        if m != r {
            drifts.push(Drift {
                what: "users",
                id: format!(
                    "status={} confirmed={} admin={}",
                    bucket.status.as_str(),
                    bucket.confirmed,
                    bucket.admin
                ),
                maintained: signed(m),
                recounted: signed(r),
            });
        }
    }
    let recounted: std::collections::HashMap<_, _> = store
        .recount_territory_members(org)
        .await?
        .into_iter()
        .collect();
    for details in store.territories(org, 0, u64::MAX >> 1).await?.value {
        let t = details.territory;
        let r = recounted.get(&t.id).copied().unwrap_or(0);
        if t.member_count != r {
            drifts.push(Drift {
                what: "territory members",
                id: t.id.to_string(),
                maintained: signed(t.member_count),
                recounted: signed(r),
            });
        }
    }
    let inputs = store.membership_inputs(org).await?;
    let kept = store.kept_membership(org).await?;
    let recomputed = membership::model_from_scratch(&inputs);
    let counts = membership::member_counts(&recomputed);
    let mut groups = inputs.groups.clone();
    groups.sort_by_key(|(group, _)| *group);
    for (group, maintained) in groups {
        let recounted = counts.get(&group).copied().unwrap_or_default();
        for (what, maintained, recounted) in [
            ("group members", maintained.live, recounted.live),
            ("group active members", maintained.active, recounted.active),
        ] {
            if maintained != recounted {
                drifts.push(Drift {
                    what,
                    id: group.to_string(),
                    maintained,
                    recounted,
                });
            }
        }
    }
    for ((part, kept), (_, recomputed)) in kept.parts().into_iter().zip(recomputed.parts()) {
        let differing = membership::differing(kept, recomputed);
        if differing > 0 {
            drifts.push(Drift {
                what: part,
                id: org.to_string(),
                maintained: 0,
                recounted: signed(differing),
            });
        }
    }
    let misplaced = [
        (
            "group listing positions",
            store.misplaced_groups(org).await?,
        ),
        (
            "territory listing positions",
            store.misplaced_territories(org).await?,
        ),
    ];
    for (what, n) in misplaced {
        if n > 0 {
            drifts.push(Drift {
                what,
                id: org.to_string(),
                maintained: 0,
                recounted: signed(n),
            });
        }
    }
    Ok(drifts)
}
