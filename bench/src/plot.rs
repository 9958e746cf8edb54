//! The PNG in docs/PERFORMANCE.md, one row of two panels per backend: the
//! p50 latency of each count scenario against org size, and its req/s as a
//! ratio to the constant server of the same run (with the one-statement
//! reference's ratio for comparison).

use crate::scenarios::{CONSTANT, COUNTS, REFERENCE};
use crate::Row;
use plotters::prelude::*;

const FONT_PATHS: [&str; 2] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
];

/// Draws the plot into `path`. Needs a DejaVu Sans font (Debian's
/// `fonts-dejavu-core`) for its labels.
pub fn draw(rows: &[Row], path: &std::path::Path) -> anyhow::Result<()> {
    let font = FONT_PATHS
        .iter()
        .find_map(|p| std::fs::read(p).ok())
        .ok_or_else(|| anyhow::anyhow!("no DejaVu Sans font: install fonts-dejavu-core"))?;
    plotters::style::register_font(
        "sans-serif",
        FontStyle::Normal,
        Box::leak(font.into_boxed_slice()),
    )
    .map_err(|_| anyhow::anyhow!("unusable font"))?;
    let mut backends: Vec<&str> = Vec::new();
    for row in rows {
        if !backends.contains(&row.backend.as_str()) {
            backends.push(&row.backend);
        }
    }
    let constant = |backend: &str, users: usize| {
        rows.iter()
            .find(|r| r.backend == backend && r.users == users && r.scenario == CONSTANT)
            .map_or(f64::NAN, |r| r.figures.rps)
    };
    let (min_size, max_size) = rows.iter().fold((f64::MAX, 0f64), |(lo, hi), r| {
        (lo.min(r.users as f64), hi.max(r.users as f64))
    });
    let root =
        BitMapBackend::new(path, (1400, 520 * backends.len().max(1) as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((backends.len().max(1), 2));
    for (b, backend) in backends.iter().enumerate() {
        for metric in 0..2 {
            let area = &panels[b * 2 + metric];
            let series: Vec<&str> = if metric == 0 {
                COUNTS.to_vec()
            } else {
                COUNTS.iter().copied().chain([REFERENCE]).collect()
            };
            let points = |name: &str| -> Vec<(f64, f64)> {
                rows.iter()
                    .filter(|r| r.backend == *backend && r.scenario == name)
                    .map(|r| {
                        let y = if metric == 0 {
                            r.figures.p50_ms
                        } else {
                            r.figures.rps / constant(backend, r.users)
                        };
                        (r.users as f64, y)
                    })
                    .filter(|(_, y)| y.is_finite())
                    .collect()
            };
            let y_max = series
                .iter()
                .flat_map(|s| points(s))
                .map(|(_, y)| y)
                .fold(0.0, f64::max)
                * 1.15;
            let title = if metric == 0 {
                format!("{backend}: p50 latency (ms) vs users")
            } else {
                format!("{backend}: req/s ÷ the constant server's vs users")
            };
            let mut chart = ChartBuilder::on(area)
                .caption(title, ("sans-serif", 22))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(
                    (min_size * 0.8..max_size * 1.25).log_scale(),
                    0.0..y_max.max(0.001),
                )?;
            chart
                .configure_mesh()
                .x_desc("users in the org")
                .x_label_formatter(&|x| format!("{}k", (*x / 1000.0).round()))
                .label_style(("sans-serif", 14))
                .draw()?;
            for (i, name) in series.iter().enumerate() {
                let color = Palette99::pick(i).to_rgba();
                let data = points(name);
                chart
                    .draw_series(LineSeries::new(data.clone(), color.stroke_width(2)))?
                    .label(*name)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                    });
                chart.draw_series(data.into_iter().map(|p| Circle::new(p, 4, color.filled())))?;
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(("sans-serif", 13))
                .position(SeriesLabelPosition::UpperLeft)
                .draw()?;
        }
    }
    root.present()?;
    Ok(())
}
