//! What a profile permits (issue 13, API-DESIGN 142): one catalog of
//! permissions, the same in every org, printed as a profile's
//! `permissions_details` and grouped into its `sections`. A profile stores
//! only the permissions it has turned off; Administrator has them all, and
//! Standard all but the setup ones (which make a user an admin).
//!
//! Permission ids are the org's ids with sequence numbers from
//! [`PERMISSION_BASE`], above every sequence an org gives out, so they are
//! stable and never collide with a record's id.

use crate::ids::{OrgId, ZohoId};

/// The first sequence number of the permission ids.
pub const PERMISSION_BASE: i64 = 600_000_000_000;

/// The modules whose records a profile may view, create, edit and delete.
pub const MODULES: [&str; 10] = [
    "Leads", "Contacts", "Accounts", "Deals", "Tasks", "Events", "Calls", "Products", "Quotes",
    "Cases",
];
/// The actions on a module's records, as Zoho labels them.
const ACTIONS: [&str; 4] = ["View", "Create", "Edit", "Delete"];

/// The setup permissions: a profile has all of them or none, and having
/// them makes its users admins (they cannot be turned on or off one by one).
pub const SETUP: [(&str, &str); 6] = [
    ("Crm_Implied_Manage_Users", "Manage Users"),
    ("Crm_Implied_Manage_Roles", "Manage Roles"),
    ("Crm_Implied_Manage_Profiles", "Manage Profiles"),
    ("Crm_Implied_Manage_Territories", "Manage Territories"),
    ("Crm_Implied_Manage_Groups", "Manage Groups"),
    (
        "Crm_Implied_Manage_Company_Details",
        "Manage Company Details",
    ),
];
/// The general tools, each on or off.
pub const TOOLS: [(&str, &str); 4] = [
    ("Crm_Implied_Import", "Import"),
    ("Crm_Implied_Export", "Export"),
    ("Crm_Implied_Mass_Update", "Mass Update"),
    ("Crm_Implied_Mass_Delete", "Mass Delete"),
];

/// One permission of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// Its place in the catalog (its id is [`PERMISSION_BASE`] + this).
    pub index: usize,
    pub name: String,
    pub display_label: &'static str,
    /// The module it is about, for the module permissions.
    pub module: Option<&'static str>,
    /// Whether it is a setup permission (fixed by the profile's kind).
    pub setup: bool,
}

impl Permission {
    /// Its id in `org`.
    pub fn id(&self, org: OrgId) -> ZohoId {
        ZohoId::compose(org, PERMISSION_BASE + self.index as i64)
    }
}

/// Every permission, in the order a profile prints them: each module's
/// view, create, edit and delete, then the tools, then the setup ones.
pub fn catalog() -> &'static [Permission] {
    static CATALOG: std::sync::LazyLock<Vec<Permission>> = std::sync::LazyLock::new(|| {
        let modules = MODULES.iter().flat_map(|module| {
            ACTIONS.iter().map(move |action| {
                (
                    format!("Crm_Implied_{action}_{module}"),
                    *action,
                    Some(*module),
                    false,
                )
            })
        });
        let tools = TOOLS
            .iter()
            .map(|(name, label)| ((*name).to_owned(), *label, None, false));
        let setup = SETUP
            .iter()
            .map(|(name, label)| ((*name).to_owned(), *label, None, true));
        modules
            .chain(tools)
            .chain(setup)
            .enumerate()
            .map(|(index, (name, display_label, module, setup))| Permission {
                index,
                name,
                display_label,
                module,
                setup,
            })
            .collect()
    });
    &CATALOG
}

/// The permission with the id `id` in `org`, if it is one.
pub fn by_id(org: OrgId, id: ZohoId) -> Option<&'static Permission> {
    let index = id.sequence_in(org)?.checked_sub(PERMISSION_BASE)?;
    catalog().get(usize::try_from(index).ok()?)
}

/// Whether a profile has permission `p`: setup permissions follow `admin`,
/// the others are on unless the profile turned them off.
pub fn enabled(p: &Permission, admin: bool, disabled: &[String]) -> bool {
    if p.setup {
        admin
    } else {
        !disabled.contains(&p.name)
    }
}

/// A profile's `sections`: the module permissions by module, the tools, and
/// the setup permissions, each category naming its permissions by id.
pub fn sections(org: OrgId) -> Vec<Section> {
    let ids = |f: &dyn Fn(&Permission) -> bool| -> Vec<String> {
        catalog()
            .iter()
            .filter(|p| f(p))
            .map(|p| p.id(org).to_string())
            .collect()
    };
    let modules = MODULES
        .iter()
        .map(|module| Category {
            name: (*module).to_owned(),
            display_label: (*module).to_owned(),
            module: Some((*module).to_owned()),
            permissions: ids(&|p| p.module == Some(*module)),
        })
        .collect();
    vec![
        Section {
            name: "modules".to_owned(),
            categories: modules,
        },
        Section {
            name: "tool".to_owned(),
            categories: vec![Category {
                name: "general".to_owned(),
                display_label: "General".to_owned(),
                module: None,
                permissions: ids(&|p| p.module.is_none() && !p.setup),
            }],
        },
        Section {
            name: "setup".to_owned(),
            categories: vec![Category {
                name: "users_and_control".to_owned(),
                display_label: "Users and Control".to_owned(),
                module: None,
                permissions: ids(&|p| p.setup),
            }],
        },
    ]
}

/// A group of permissions in a profile's `sections`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub categories: Vec<Category>,
}

/// A category of a section: the ids of its permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub name: String,
    pub display_label: String,
    pub module: Option<String>,
    pub permissions: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_stay_above_every_sequence() {
        let org = OrgId(431_581);
        for p in catalog() {
            assert_eq!(by_id(org, p.id(org)), Some(p));
            assert!(p.id(org).sequence_in(org).expect("in org") >= PERMISSION_BASE);
        }
        assert_eq!(by_id(org, ZohoId::compose(org, 1000)), None);
        assert_eq!(by_id(OrgId(7), catalog()[0].id(org)), None);
        let names: std::collections::HashSet<_> = catalog().iter().map(|p| &p.name).collect();
        assert_eq!(names.len(), catalog().len());
        assert_eq!(catalog().len(), 50);
    }

    #[test]
    fn setup_follows_the_kind_and_others_the_profile() {
        let setup = catalog().iter().find(|p| p.setup).expect("setup");
        let view = &catalog()[0];
        assert_eq!(view.name, "Crm_Implied_View_Leads");
        assert!(enabled(setup, true, &[]));
        assert!(!enabled(setup, false, &[]));
        assert!(enabled(view, false, &[]));
        assert!(!enabled(view, true, std::slice::from_ref(&view.name)));
    }

    #[test]
    fn sections_name_every_permission_once() {
        let org = OrgId(1);
        let mut named: Vec<String> = sections(org)
            .into_iter()
            .flat_map(|s| s.categories)
            .flat_map(|c| c.permissions)
            .collect();
        named.sort();
        let mut all: Vec<String> = catalog().iter().map(|p| p.id(org).to_string()).collect();
        all.sort();
        assert_eq!(named, all);
    }
}
