//! Zoho CRM wire types shared by the orgdir server and the orgdir client:
//! the error envelope, paging info, write results and the directory resources.
//!
//! Everything here serialises exactly as Zoho does (key names, integer vs
//! string counts); nothing here knows about storage or HTTP.

pub mod common;
pub mod error;
pub mod features;
pub mod groups;
pub mod org;
pub mod roles;
pub mod territories;
pub mod transfer;
pub mod unavailability;
pub mod users;

pub use common::{ActionResult, Info, Reference};
pub use error::{ErrorBody, ErrorCode};
