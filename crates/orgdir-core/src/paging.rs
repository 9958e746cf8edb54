//! `page` / `per_page` parameters (SPEC 1) and the `info` block of list responses.

use crate::{Error, Result};
use orgdir_types::Info;

/// `per_page` when none is given.
pub const DEFAULT_PER_PAGE: u32 = 200;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: u32,
    pub per_page: u32,
}

impl Page {
    /// Parses `page` (≥ 1, default 1) and `per_page` (1..=`max`, default the
    /// smaller of 200 and `max`, SPEC 1).
    pub fn parse(page: Option<&str>, per_page: Option<&str>, max: u32) -> Result<Self> {
        let number = |name: &str, text: Option<&str>, default: u32, max: u32| -> Result<u32> {
            match text {
                None => Ok(default),
                Some(t) => t
                    .parse::<u32>()
                    .ok()
                    .filter(|v| (1..=max).contains(v))
                    .ok_or_else(|| {
                        Error::invalid_param(name, format!("{name} must be between 1 and {max}"))
                    }),
            }
        };
        Ok(Self {
            page: number("page", page, 1, u32::MAX / max.max(1))?,
            per_page: number("per_page", per_page, max.min(DEFAULT_PER_PAGE), max)?,
        })
    }

    /// Rows to skip.
    pub fn offset(self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }

    /// Rows to fetch: one more than a page, to know whether more records follow.
    pub fn fetch_limit(self) -> u64 {
        u64::from(self.per_page) + 1
    }

    /// Cuts a fetched `fetch_limit()` batch down to the page and builds `info`.
    pub fn finish<T>(self, mut rows: Vec<T>) -> (Vec<T>, Info) {
        let more_records = rows.len() > self.per_page as usize;
        rows.truncate(self.per_page as usize);
        let info = Info {
            per_page: self.per_page,
            count: rows.len() as u32,
            page: self.page,
            more_records,
        };
        (rows, info)
    }

    /// Pages a list that is already in memory.
    pub fn slice<T: Clone>(self, all: &[T]) -> (Vec<T>, Info) {
        let start = usize::try_from(self.offset())
            .unwrap_or(usize::MAX)
            .min(all.len());
        let end = start
            .saturating_add(self.fetch_limit() as usize)
            .min(all.len());
        self.finish(all[start..end].to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_limits() {
        assert_eq!(
            Page::parse(None, None, 200).expect("ok"),
            Page {
                page: 1,
                per_page: 200
            }
        );
        assert!(Page::parse(Some("0"), None, 200).is_err());
        assert!(Page::parse(None, Some("201"), 200).is_err());
        assert!(Page::parse(None, Some("-1"), 200).is_err());
        assert!(Page::parse(Some("x"), None, 200).is_err());
        assert!(Page::parse(Some("99999999999"), None, 200).is_err());
        assert_eq!(
            Page::parse(Some("3"), Some("2000"), 2000)
                .expect("ok")
                .offset(),
            4000
        );
        assert_eq!(Page::parse(None, None, 2000).expect("ok").per_page, 200);
    }

    #[test]
    fn slices_with_more_records() {
        let all: Vec<u32> = (0..5).collect();
        let page = Page {
            page: 2,
            per_page: 2,
        };
        let (rows, info) = page.slice(&all);
        assert_eq!(rows, vec![2, 3]);
        assert!(info.more_records);
        let (rows, info) = Page {
            page: 3,
            per_page: 2,
        }
        .slice(&all);
        assert_eq!(rows, vec![4]);
        assert!(!info.more_records);
        let (rows, _) = Page {
            page: 9,
            per_page: 2,
        }
        .slice(&all);
        assert!(rows.is_empty());
    }
}
