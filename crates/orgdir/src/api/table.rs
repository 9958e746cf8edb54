//! Plain-text tables for people: columns padded to their widest cell.

use orgdir_types::common::Info;

/// `headers` and `rows` as aligned columns, one line each.
pub fn render<const N: usize>(
    headers: &[&str; N],
    rows: impl IntoIterator<Item = [String; N]>,
) -> String {
    let rows: Vec<[String; N]> = rows.into_iter().collect();
    let mut widths = headers.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_owned() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in &rows {
        out += &line(row.iter().map(String::as_str).collect());
    }
    out
}

/// The paging line under a page's table.
pub fn info(info: &Info) -> String {
    format!(
        "page {}, {} per page, {} on this page{}\n",
        info.page,
        info.per_page,
        info.count,
        if info.more_records {
            ", more records"
        } else {
            ""
        }
    )
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn columns_line_up() {
        let out = render(
            &["group", "users"],
            [
                ["Tier1".to_owned(), "5".to_owned()],
                ["Support".to_owned(), "12".to_owned()],
            ],
        );
        assert_eq!(out, "group    users\nTier1    5\nSupport  12\n");
    }
}
