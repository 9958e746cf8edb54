//! Zoho CRM's standard modules, by API name: what a `module` parameter may
//! name. orgdir keeps no records, so no feature is specific to one of them
//! (API-DESIGN 72); a name that is not a module is `INVALID_MODULE`.

use crate::{Error, Result};

/// The API names of Zoho CRM's standard modules.
pub const STANDARD: [&str; 22] = [
    "Leads",
    "Contacts",
    "Accounts",
    "Deals",
    "Tasks",
    "Events",
    "Calls",
    "Products",
    "Quotes",
    "Sales_Orders",
    "Purchase_Orders",
    "Invoices",
    "Campaigns",
    "Vendors",
    "Price_Books",
    "Cases",
    "Solutions",
    "Notes",
    "Attachments",
    "Visits",
    "Appointments__s",
    "Services__s",
];

/// Checks a `module` parameter: a standard module's API name (Zoho's API
/// names are case-insensitive here, as in Zoho's URLs).
pub fn check(name: &str) -> Result<&'static str> {
    STANDARD
        .iter()
        .find(|m| m.eq_ignore_ascii_case(name))
        .copied()
        .ok_or(Error::InvalidModule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_modules_pass_in_any_case() {
        assert_eq!(check("leads").expect("Leads"), "Leads");
        assert_eq!(check("Sales_Orders").expect("Sales_Orders"), "Sales_Orders");
        assert!(matches!(check("Widgets"), Err(Error::InvalidModule)));
        assert!(matches!(check(""), Err(Error::InvalidModule)));
    }
}
