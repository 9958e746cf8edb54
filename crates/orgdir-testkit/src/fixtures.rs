//! Fixtures and builders for test data.

use crate::{Directory, TestApp};
use serde_json::{json, Value};

/// The fixtures directory of this crate.
pub fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Reads a JSON fixture.
pub fn load(name: &str) -> Value {
    let path = dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Builds a `POST /users` item.
#[derive(Debug, Clone)]
pub struct UserBuilder {
    email: String,
    first_name: Option<String>,
    last_name: String,
    role: Option<String>,
    profile: Option<String>,
}

impl UserBuilder {
    /// A user with this email, last name taken from it.
    pub fn new(email: &str) -> Self {
        Self {
            email: email.to_owned(),
            first_name: None,
            last_name: email.split('@').next().unwrap_or("user").to_owned(),
            role: None,
            profile: None,
        }
    }

    /// Sets the first name.
    pub fn first_name(mut self, name: &str) -> Self {
        self.first_name = Some(name.to_owned());
        self
    }

    /// Sets the last name.
    pub fn last_name(mut self, name: &str) -> Self {
        self.last_name = name.to_owned();
        self
    }

    /// Sets the role id (default: the root role).
    pub fn role(mut self, id: &str) -> Self {
        self.role = Some(id.to_owned());
        self
    }

    /// Sets the profile id (default: Standard).
    pub fn profile(mut self, id: &str) -> Self {
        self.profile = Some(id.to_owned());
        self
    }

    /// The JSON item.
    pub fn json(&self, dir: &Directory) -> Value {
        let mut user = json!({
            "email": self.email,
            "last_name": self.last_name,
            "role": self.role.clone().unwrap_or_else(|| dir.root_role.clone()),
            "profile": self.profile.clone().unwrap_or_else(|| dir.standard_profile.clone()),
        });
        if let Some(first) = &self.first_name {
            user["first_name"] = json!(first);
        }
        user
    }

    /// Creates the user through the API; returns its id.
    pub async fn create(&self, app: &TestApp) -> String {
        let dir = app.directory().await;
        app.client
            .create_user(self.json(&dir))
            .await
            .expect("create user")
    }
}

/// Reads an org document fixture.
pub fn document(name: &str) -> orgdir_core::document::OrgDocument {
    let path = dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    orgdir_core::document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
