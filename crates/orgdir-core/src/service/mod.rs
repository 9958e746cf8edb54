//! The directory's operations, written once over the [`crate::store`] traits:
//! each opens an [`crate::store::OrgTx`], applies the rules, moves the
//! maintained counts, and commits — or returns an error and writes nothing.

pub mod groups;
pub mod oauth;
pub mod orgs;
pub mod roles;
pub mod territories;
pub mod tokens;
pub mod users;
