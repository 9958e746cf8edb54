//! Charts drawn on the server as inline SVG: no script, no CDN, readable
//! without colour (every bar and the gauge carry their numbers as text)
//! and described for screen readers (`role="img"` with a title).

use maud::{html, Markup};

/// A horizontal bar chart of `(label, value)`, titled `title`.
pub fn bars(title: &str, items: &[(&str, u64)]) -> Markup {
    const ROW: u64 = 30;
    const LABEL: f64 = 190.0;
    const WIDTH: f64 = 330.0;
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let height = ROW * items.len() as u64 + 10;
    html! {
        svg.chart role="img" aria-labelledby="bars-title" viewBox={ "0 0 600 " (height) }
            width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg" {
            title id="bars-title" { (title) }
            @for (i, (label, value)) in items.iter().enumerate() {
                @let y = i as u64 * ROW + 5;
                @let w = (*value as f64 / max as f64 * WIDTH).max(if *value > 0 { 2.0 } else { 0.0 });
                text x="0" y=(y + 19) font-size="14" fill="#1a1a1a" { (label) }
                rect x=(LABEL) y=(y + 4) width=(format!("{w:.1}")) height="20" fill="#1f5fa8" rx="2" {}
                text x=(format!("{:.1}", LABEL + w + 6.0)) y=(y + 19) font-size="14" fill="#1a1a1a" { (value) }
            }
        }
    }
}

/// A half-circle gauge of licences: `used` of `purchased`.
pub fn gauge(used: u64, purchased: u64) -> Markup {
    let fraction = if purchased == 0 {
        if used > 0 {
            1.0
        } else {
            0.0
        }
    } else {
        (used as f64 / purchased as f64).min(1.0)
    };
    let angle = std::f64::consts::PI * fraction;
    let (x, y) = (100.0 - 80.0 * angle.cos(), 100.0 - 80.0 * angle.sin());
    let colour = if fraction >= 1.0 {
        "#a4161a"
    } else if fraction >= 0.8 {
        "#8a5a00"
    } else {
        "#1f6f3f"
    };
    let label = format!("{used} of {purchased} licences used");
    html! {
        svg.gauge role="img" aria-labelledby="gauge-title" viewBox="0 0 200 120" width="100%"
            xmlns="http://www.w3.org/2000/svg" {
            title id="gauge-title" { (label) }
            path d="M 20 100 A 80 80 0 0 1 180 100" fill="none" stroke="#d9d9d9" stroke-width="18" {}
            @if fraction > 0.0 {
                path d=(format!("M 20 100 A 80 80 0 0 1 {x:.2} {y:.2}")) fill="none"
                    stroke=(colour) stroke-width="18" {}
            }
            text x="100" y="92" text-anchor="middle" font-size="24" fill="#1a1a1a" { (used) " / " (purchased) }
            text x="100" y="114" text-anchor="middle" font-size="12" fill="#1a1a1a" { "used / purchased" }
        }
    }
}
