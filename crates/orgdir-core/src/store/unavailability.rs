//! Users' unavailability: periods a user is unavailable.

use super::Versioned;
use crate::unavailability::{Unavailability, UnavailabilityDetails, UnavailabilityQuery};
use crate::{OrgId, Result, ZohoId};

/// Reads of users' unavailability.
#[async_trait::async_trait]
pub trait UnavailabilityStore {
    /// The periods `query` selects, by id (creation order), with their users.
    async fn unavailabilities(
        &self,
        org: OrgId,
        query: &UnavailabilityQuery,
    ) -> Result<Versioned<Vec<UnavailabilityDetails>>>;
    /// One period with its user.
    async fn unavailability(
        &self,
        org: OrgId,
        id: ZohoId,
    ) -> Result<Versioned<Option<UnavailabilityDetails>>>;
}

/// Writes of users' unavailability.
#[async_trait::async_trait]
pub trait UnavailabilityWrites {
    /// One period.
    async fn unavailability(&mut self, id: ZohoId) -> Result<Option<Unavailability>>;
    /// Inserts a period.
    async fn insert_unavailability(&mut self, period: &Unavailability) -> Result<()>;
    /// Rewrites a period's times, `all_day` and comments (its user stays).
    async fn update_unavailability(&mut self, period: &Unavailability) -> Result<()>;
    /// Deletes a period.
    async fn delete_unavailability(&mut self, id: ZohoId) -> Result<()>;
    /// Deletes every period of `user` (the user is being deleted).
    async fn delete_unavailabilities_of(&mut self, user: ZohoId) -> Result<()>;
}
