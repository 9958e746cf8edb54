//! Users: the entity, its status rules, and the count semantics of
//! `GET /users/actions/count` (SPEC 3 "User", 4.1).
//!
//! Every user falls in one *bucket* — (status, confirmed, admin), 12 in all —
//! and the store keeps a count per bucket, updated in the same transaction as
//! each user write. A count request sums the buckets its `type` matches, so it
//! costs the same at ten users or ten million.

use crate::input::Fields;
use crate::{Error, Result, ZohoId};
use orgdir_types::users::UserType;
use serde_json::{Map, Value};

/// A user's status as stored and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserStatus {
    Active,
    Disabled,
    Deleted,
}

impl UserStatus {
    /// The wire and storage form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
            Self::Deleted => "deleted",
        }
    }

    /// Parses the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(Self::Active),
            "disabled" => Some(Self::Disabled),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }
}

/// The counting key of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserBucket {
    pub status: UserStatus,
    pub confirmed: bool,
    pub admin: bool,
}

impl UserBucket {
    /// The number of buckets.
    pub const COUNT: usize = 12;

    /// A dense code 0..12, stored in `users.bucket` and `user_counts.bucket`.
    pub fn code(self) -> i16 {
        let status = match self.status {
            UserStatus::Active => 0,
            UserStatus::Disabled => 1,
            UserStatus::Deleted => 2,
        };
        status * 4 + i16::from(self.confirmed) * 2 + i16::from(self.admin)
    }

    /// The bucket of a code made by [`UserBucket::code`].
    pub fn from_code(code: i16) -> Option<Self> {
        let status = match code / 4 {
            0 => UserStatus::Active,
            1 => UserStatus::Disabled,
            2 => UserStatus::Deleted,
            _ => return None,
        };
        (0..Self::COUNT as i16).contains(&code).then_some(Self {
            status,
            confirmed: code % 4 >= 2,
            admin: code % 2 == 1,
        })
    }

    /// All twelve buckets.
    pub fn all() -> impl Iterator<Item = Self> {
        (0..Self::COUNT as i16).filter_map(Self::from_code)
    }
}

/// Whether a user in `bucket` is counted (and listed) under `user_type`
/// (SPEC 4.1, decision 10.2). `CurrentUser` matches no bucket: it is the caller.
pub fn type_matches(user_type: UserType, bucket: UserBucket) -> bool {
    let live = bucket.status != UserStatus::Deleted;
    let active = bucket.status == UserStatus::Active;
    match user_type {
        UserType::AllUsers => true,
        UserType::ActiveUsers => active,
        UserType::DeactiveUsers => bucket.status == UserStatus::Disabled,
        UserType::ConfirmedUsers => live && bucket.confirmed,
        UserType::NotConfirmedUsers => live && !bucket.confirmed,
        UserType::DeletedUsers => bucket.status == UserStatus::Deleted,
        UserType::ActiveConfirmedUsers => active && bucket.confirmed,
        UserType::AdminUsers => live && bucket.admin,
        UserType::ActiveConfirmedAdmins => active && bucket.confirmed && bucket.admin,
        UserType::CurrentUser => false,
    }
}

/// The bucket codes a `type` matches, for listing.
pub fn type_bucket_codes(user_type: UserType) -> Vec<i16> {
    UserBucket::all()
        .filter(|b| type_matches(user_type, *b))
        .map(UserBucket::code)
        .collect()
}

/// The buckets `user_type` counts, as a bit mask (bit `code`).
pub fn type_bucket_mask(user_type: UserType) -> u32 {
    type_bucket_codes(user_type)
        .into_iter()
        .fold(0, |mask, code| mask | (1 << code))
}

/// An org's user counts per bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserCounts([u64; UserBucket::COUNT]);

impl UserCounts {
    /// Adds `n` users to `bucket`.
    pub fn add(&mut self, bucket: UserBucket, n: u64) {
        self.0[bucket.code() as usize] += n;
    }

    /// The users in one bucket.
    pub fn in_bucket(&self, bucket: UserBucket) -> u64 {
        self.0[bucket.code() as usize]
    }

    /// The users count for `type` (SPEC 4.1). `CurrentUser` is always 1.
    pub fn count(&self, user_type: UserType) -> u64 {
        if user_type == UserType::CurrentUser {
            return 1;
        }
        UserBucket::all()
            .filter(|b| type_matches(user_type, *b))
            .map(|b| self.0[b.code() as usize])
            .sum()
    }

    /// Users holding a licence: active ones, confirmed or not (decision 10.5).
    pub fn licensed(&self) -> u64 {
        self.count(UserType::ActiveUsers)
    }
}

/// A user as the domain sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: ZohoId,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: String,
    pub status: UserStatus,
    pub confirmed: bool,
    pub zuid: Option<String>,
    pub role_id: ZohoId,
    pub profile_id: ZohoId,
    /// Derived from the profile (Administrator) at each write.
    pub admin: bool,
    /// The org's primary user: cannot be deactivated, deleted or demoted.
    pub primary: bool,
    /// Optional profile fields, stored and returned as given.
    pub extra: Map<String, Value>,
    pub created_at: i64,
    pub modified_at: i64,
    pub created_by: Option<ZohoId>,
    pub modified_by: Option<ZohoId>,
}

impl User {
    /// The counting bucket this user is in.
    pub fn bucket(&self) -> UserBucket {
        UserBucket {
            status: self.status,
            confirmed: self.confirmed,
            admin: self.admin,
        }
    }

    /// `first_name last_name`, as Zoho derives `full_name`.
    pub fn full_name(&self) -> String {
        match &self.first_name {
            Some(first) if !first.trim().is_empty() => format!("{first} {}", self.last_name),
            _ => self.last_name.clone(),
        }
    }
}

/// A user with the names of what it references, for printing.
#[derive(Debug, Clone, PartialEq)]
pub struct UserDetails {
    pub user: User,
    pub role_name: String,
    pub profile_name: String,
    pub created_by_name: Option<String>,
    pub modified_by_name: Option<String>,
    /// The user's territories, root first, then by creation (filled by the
    /// reads that answer the API; empty from the others).
    pub memberships: Vec<crate::territories::Membership>,
}

const MAX_NAME: usize = 50;
const MAX_FIRST_NAME: usize = 40;
const MAX_EMAIL: usize = 100;

/// Trims and checks an email address (`local@domain.tld`, no spaces). The
/// case is kept as given; uniqueness compares it case-insensitively.
pub fn normalize_email(email: &str, json_path: &str) -> Result<String> {
    let email = email.trim();
    let valid = email.len() <= MAX_EMAIL
        && !email.chars().any(char::is_whitespace)
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(email.to_owned())
    } else {
        Err(Error::invalid_field(json_path, "invalid email address"))
    }
}

/// A validated `POST /users` item.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: String,
    pub role_id: ZohoId,
    pub profile_id: ZohoId,
    pub extra: Map<String, Value>,
}

/// Requested status change on `PUT /users`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    Activate,
    Deactivate,
}

/// A validated `PUT /users` item: only the fields given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserPatch {
    pub email: Option<String>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<String>,
    pub role_id: Option<ZohoId>,
    pub profile_id: Option<ZohoId>,
    pub status: Option<StatusChange>,
    pub extra: Map<String, Value>,
    /// The JSON path of the item, for errors found later (role, profile, email).
    pub path: String,
}

/// The user profile fields a body sets, checked (`crate::user_fields`).
fn optional_fields(fields: &Fields<'_>) -> Result<Map<String, Value>> {
    crate::user_fields::settable_fields(fields.map, &fields.path)
}

impl NewUser {
    /// Reads one user of a create body at `path` (`$.users[0]`).
    pub fn from_json(value: &Value, path: &str) -> Result<Self> {
        let f = Fields::new(value, path)?;
        let last_name = f.req_str("last_name", MAX_NAME)?;
        let email_path = f.path_of("email");
        let email = normalize_email(&f.req_str("email", MAX_EMAIL)?, &email_path)?;
        Ok(Self {
            email,
            first_name: f.opt_str("first_name", MAX_FIRST_NAME)?,
            last_name,
            role_id: f.req_ref("role")?,
            profile_id: f.req_ref("profile")?,
            extra: optional_fields(&f)?,
        })
    }
}

impl UserPatch {
    /// Reads one user of an update body at `path` (`$.users[0]`).
    pub fn from_json(value: &Value, path: &str) -> Result<Self> {
        let f = Fields::new(value, path)?;
        let status = match f.opt_str("status", 20)?.as_deref() {
            None => None,
            Some("active") => Some(StatusChange::Activate),
            Some("inactive") | Some("disabled") => Some(StatusChange::Deactivate),
            Some(_) => {
                return Err(Error::invalid_field(
                    f.path_of("status"),
                    "status must be active, inactive or disabled",
                ))
            }
        };
        let last_name = match f.opt_str("last_name", MAX_NAME)? {
            Some(s) if s.trim().is_empty() => return Err(Error::mandatory(f.path_of("last_name"))),
            other => other,
        };
        let email = match f.opt_str("email", MAX_EMAIL)? {
            Some(e) => Some(normalize_email(&e, &f.path_of("email"))?),
            None => None,
        };
        Ok(Self {
            email,
            first_name: if f.has("first_name") {
                Some(f.opt_str("first_name", MAX_FIRST_NAME)?)
            } else {
                None
            },
            last_name,
            role_id: f.opt_ref("role")?,
            profile_id: f.opt_ref("profile")?,
            status,
            extra: optional_fields(&f)?,
            path: path.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_masks_match_the_types() {
        for user_type in [
            UserType::AllUsers,
            UserType::ActiveUsers,
            UserType::DeactiveUsers,
            UserType::ConfirmedUsers,
            UserType::NotConfirmedUsers,
            UserType::DeletedUsers,
            UserType::ActiveConfirmedUsers,
            UserType::AdminUsers,
            UserType::ActiveConfirmedAdmins,
        ] {
            let mask = type_bucket_mask(user_type);
            for bucket in UserBucket::all() {
                let set = mask & (1 << bucket.code()) != 0;
                assert_eq!(
                    set,
                    type_matches(user_type, bucket),
                    "{user_type:?} {bucket:?}"
                );
            }
        }
        assert_eq!(type_bucket_mask(UserType::AllUsers), 0xfff);
    }
    use serde_json::json;

    #[test]
    fn buckets_round_trip() {
        let all: Vec<UserBucket> = UserBucket::all().collect();
        assert_eq!(all.len(), UserBucket::COUNT);
        for b in all {
            assert_eq!(UserBucket::from_code(b.code()), Some(b));
        }
        assert_eq!(UserBucket::from_code(12), None);
        assert_eq!(UserBucket::from_code(-1), None);
    }

    #[test]
    fn count_semantics_of_spec_4_1() {
        let mut counts = UserCounts::default();
        let b = |status, confirmed, admin| UserBucket {
            status,
            confirmed,
            admin,
        };
        counts.add(b(UserStatus::Active, true, true), 1); // primary admin
        counts.add(b(UserStatus::Active, false, false), 5);
        counts.add(b(UserStatus::Active, true, false), 2);
        counts.add(b(UserStatus::Disabled, true, true), 1);
        counts.add(b(UserStatus::Deleted, true, true), 3);
        assert_eq!(counts.count(UserType::AllUsers), 12);
        assert_eq!(counts.count(UserType::ActiveUsers), 8);
        assert_eq!(counts.count(UserType::DeactiveUsers), 1);
        assert_eq!(counts.count(UserType::ConfirmedUsers), 4);
        assert_eq!(counts.count(UserType::NotConfirmedUsers), 5);
        assert_eq!(counts.count(UserType::DeletedUsers), 3);
        assert_eq!(counts.count(UserType::ActiveConfirmedUsers), 3);
        assert_eq!(counts.count(UserType::AdminUsers), 2);
        assert_eq!(counts.count(UserType::ActiveConfirmedAdmins), 1);
        assert_eq!(counts.count(UserType::CurrentUser), 1);
        assert_eq!(counts.licensed(), 8);
    }

    #[test]
    fn new_user_validation_names_the_field() {
        let ok = json!({"last_name":"Ray","email":"A@x.io","role":"11","profile":{"id":"12"},"phone":"1","junk":1});
        let user = NewUser::from_json(&ok, "$.users[0]").expect("valid");
        assert_eq!(user.email, "A@x.io");
        assert_eq!(user.extra.len(), 1);
        let missing = json!({"email":"a@x.io","role":"1","profile":"2"});
        match NewUser::from_json(&missing, "$.users[0]") {
            Err(Error::MandatoryNotFound { details }) => {
                assert_eq!(details, crate::Details::field("$.users[0].last_name"))
            }
            other => panic!("{other:?}"),
        }
        let bad_email = json!({"last_name":"R","email":"nope","role":"1","profile":"2"});
        assert!(matches!(
            NewUser::from_json(&bad_email, "$.users[0]"),
            Err(Error::InvalidData { .. })
        ));
    }

    #[test]
    fn patch_reads_status_words() {
        let p = UserPatch::from_json(&json!({"status":"inactive"}), "$.users[0]").expect("ok");
        assert_eq!(p.status, Some(StatusChange::Deactivate));
        let p =
            UserPatch::from_json(&json!({"status":"active","first_name":null}), "$").expect("ok");
        assert_eq!(p.status, Some(StatusChange::Activate));
        assert_eq!(p.first_name, Some(None));
        assert!(UserPatch::from_json(&json!({"status":"deleted"}), "$").is_err());
    }
}
