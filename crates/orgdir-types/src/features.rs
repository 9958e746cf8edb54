//! `__features`: the user licences feature (SPEC 4.5).

use crate::Info;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `{"total": N}`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Total {
    pub total: u64,
}

/// The licence numbers. The key is `limits` (plural), as in Zoho's sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LicenceDetails {
    pub available_count: Total,
    pub used_count: Total,
    pub limits: Total,
}

/// One feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Feature {
    pub components: Option<Value>,
    pub api_name: String,
    pub parent_feature: Option<Value>,
    pub module_supported: bool,
    pub details: LicenceDetails,
    pub feature_label: String,
}

/// `{"__features":[…]}` (with `info` on the list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeaturesBody {
    pub __features: Vec<Feature>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub info: Option<Info>,
}
