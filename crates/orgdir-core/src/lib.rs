//! orgdir's domain: the directory's entities and their rules, the count
//! semantics, scopes and tokens, and the [`store::Store`] traits that the
//! storage backends implement. Nothing here knows about HTTP or SQL.
#![deny(clippy::unwrap_used)]

pub mod auth;
pub mod behaviour;
pub mod check;
pub mod controls;
pub mod document;
pub mod error;
pub mod groups;
pub mod ids;
pub mod input;
pub mod modules;
pub mod oauth;
pub mod org;
pub mod paging;
pub mod profile_permissions;
pub mod scopes;
pub mod seed;
pub mod service;
pub mod sessions;
pub mod store;
pub mod territories;
pub mod time;
pub mod transfer;
pub mod unavailability;
pub mod user_fields;
pub mod users;

pub use error::{Details, Error, Result};
pub use ids::{OrgId, ZohoId};
