//! OAuth scopes: the grammar `ZohoCRM.<group>[.<resource>].<operation>`,
//! case-insensitive, with implication (`ALL` ⊇ everything, `WRITE` ⊇
//! CREATE/UPDATE/DELETE, a group-level scope ⊇ its resources). SPEC 2.1.

use std::fmt;

/// The operation part of a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    All,
    Read,
    Create,
    Update,
    Delete,
    Write,
}

impl Operation {
    fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_uppercase().as_str() {
            "ALL" => Self::All,
            "READ" => Self::Read,
            "CREATE" => Self::Create,
            "UPDATE" => Self::Update,
            "DELETE" => Self::Delete,
            "WRITE" => Self::Write,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::All => "ALL",
            Self::Read => "READ",
            Self::Create => "CREATE",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
            Self::Write => "WRITE",
        }
    }

    /// Whether holding `self` grants `wanted`.
    pub fn implies(self, wanted: Operation) -> bool {
        match self {
            Self::All => true,
            Self::Write => matches!(
                wanted,
                Self::Write | Self::Create | Self::Update | Self::Delete
            ),
            other => other == wanted,
        }
    }
}

/// One parsed scope. Group and resource are kept lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    group: String,
    resource: Option<String>,
    operation: Operation,
}

/// Why a scope string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid scope {0:?}: expected ZohoCRM.<group>[.<resource>].<operation>")]
pub struct InvalidScope(pub String);

fn is_name(part: &str) -> bool {
    !part.is_empty()
        && part.len() <= 64
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
}

impl Scope {
    /// Parses one scope, e.g. `ZohoCRM.settings.territories.READ` (any case).
    pub fn parse(text: &str) -> Result<Self, InvalidScope> {
        let invalid = || InvalidScope(text.to_owned());
        let parts: Vec<&str> = text.trim().split('.').collect();
        let (service, rest) = parts.split_first().ok_or_else(invalid)?;
        if !service.eq_ignore_ascii_case("ZohoCRM") {
            return Err(invalid());
        }
        let (operation, names) = rest.split_last().ok_or_else(invalid)?;
        let operation = Operation::parse(operation).ok_or_else(invalid)?;
        if !names.iter().all(|n| is_name(n)) {
            return Err(invalid());
        }
        match names {
            [group] => Ok(Self {
                group: group.to_ascii_lowercase(),
                resource: None,
                operation,
            }),
            [group, resource] => Ok(Self {
                group: group.to_ascii_lowercase(),
                resource: Some(resource.to_ascii_lowercase()),
                operation,
            }),
            _ => Err(invalid()),
        }
    }

    /// Whether holding `self` grants `wanted` (SPEC 2.1 implication rules).
    pub fn grants(&self, wanted: &Scope) -> bool {
        self.group == wanted.group
            && (self.resource.is_none() || self.resource == wanted.resource)
            && self.operation.implies(wanted.operation)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ZohoCRM.{}", self.group)?;
        if let Some(resource) = &self.resource {
            write!(f, ".{resource}")?;
        }
        write!(f, ".{}", self.operation.as_str())
    }
}

/// The scopes a token carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet(Vec<Scope>);

impl ScopeSet {
    /// Parses a list separated by commas and/or spaces (OAuth sends either).
    pub fn parse(text: &str) -> Result<Self, InvalidScope> {
        let scopes = text
            .split([',', ' '])
            .filter(|s| !s.trim().is_empty())
            .map(Scope::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(scopes))
    }

    /// Whether any held scope grants `wanted`.
    pub fn grants(&self, wanted: &Scope) -> bool {
        self.0.iter().any(|held| held.grants(wanted))
    }

    /// Whether every scope in `wanted` is granted.
    pub fn grants_all(&self, wanted: &[Scope]) -> bool {
        wanted.iter().all(|w| self.grants(w))
    }

    /// The scopes, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ScopeSet {
    /// Comma-separated, the stored form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scope) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            scope.fmt(f)?;
        }
        Ok(())
    }
}

/// Every scope an org's all-powerful token gets: what every endpoint of orgdir needs.
pub const ALL_SCOPES: &str =
    "ZohoCRM.users.ALL,ZohoCRM.settings.ALL,ZohoCRM.features.ALL,ZohoCRM.org.ALL";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(text: &str) -> Scope {
        Scope::parse(text).expect("valid scope")
    }

    #[test]
    fn implication_rules_of_spec_2_1() {
        assert!(s("ZohoCRM.users.ALL").grants(&s("ZohoCRM.users.READ")));
        assert!(s("zohocrm.settings.all").grants(&s("ZohoCRM.settings.territories.READ")));
        assert!(s("ZohoCRM.settings.READ").grants(&s("ZohoCRM.settings.user_groups.READ")));
        assert!(s("ZohoCRM.users.WRITE").grants(&s("ZohoCRM.users.DELETE")));
        assert!(s("ZohoCRM.Users.All").grants(&s("ZohoCRM.users.CREATE")));
        assert!(!s("ZohoCRM.users.WRITE").grants(&s("ZohoCRM.users.READ")));
        assert!(!s("ZohoCRM.users.ALL").grants(&s("ZohoCRM.settings.territories.READ")));
        assert!(!s("ZohoCRM.settings.ALL").grants(&s("ZohoCRM.users.READ")));
        assert!(!s("ZohoCRM.settings.territories.ALL").grants(&s("ZohoCRM.settings.READ")));
        assert!(!s("ZohoCRM.settings.roles.ALL").grants(&s("ZohoCRM.settings.territories.READ")));
        assert!(!s("ZohoCRM.users.READ").grants(&s("ZohoCRM.users.UPDATE")));
    }

    #[test]
    fn refuses_malformed_scopes() {
        for bad in [
            "",
            "ZohoCRM",
            "ZohoCRM.users",
            "ZohoCRM.users.FETCH",
            "Zoho.users.READ",
            "ZohoCRM..READ",
            "ZohoCRM.a.b.c.READ",
            "ZohoCRM.us ers.READ",
            "aaaserver.profile.READ",
        ] {
            assert!(Scope::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn scope_sets_accept_commas_and_spaces() {
        let set = ScopeSet::parse("ZohoCRM.users.READ, ZohoCRM.settings.ALL ZohoCRM.modules.ALL")
            .expect("valid");
        assert_eq!(set.iter().count(), 3);
        assert!(set.grants(&s("ZohoCRM.settings.user_groups.READ")));
        assert_eq!(
            set.to_string(),
            "ZohoCRM.users.READ,ZohoCRM.settings.ALL,ZohoCRM.modules.ALL"
        );
    }

    proptest! {
        #[test]
        fn parser_never_panics(text in ".{0,80}") {
            let _ = ScopeSet::parse(&text);
        }

        #[test]
        fn display_round_trips(group in "[a-z_]{1,12}", resource in proptest::option::of("[a-z_]{1,12}"),
                               op in prop::sample::select(vec!["ALL","READ","CREATE","UPDATE","DELETE","WRITE","read","All"])) {
            let text = match &resource {
                Some(r) => format!("ZohoCRM.{group}.{r}.{op}"),
                None => format!("ZohoCRM.{group}.{op}"),
            };
            let scope = Scope::parse(&text).expect("generated scopes are valid");
            let again = Scope::parse(&scope.to_string()).expect("display is parseable");
            prop_assert_eq!(&scope, &again);
            prop_assert!(scope.grants(&again));
        }

        #[test]
        fn all_grants_every_operation_and_case_never_matters(group in "[a-z]{1,8}", resource in "[a-z]{1,8}",
                 op in prop::sample::select(vec!["READ","CREATE","UPDATE","DELETE","WRITE","ALL"])) {
            let held = s(&format!("ZOHOCRM.{}.ALL", group.to_uppercase()));
            let wanted = s(&format!("ZohoCRM.{group}.{resource}.{}", op.to_lowercase()));
            prop_assert!(held.grants(&wanted));
        }
    }
}
