//! Charts drawn on the server by plotters into SVG, so pages need no script and no external asset.
//!
//! Each chart is an `<svg role="img">` labelled by its own `<title>` (what it shows) and `<desc>`
//! (the numbers in a sentence), and every page puts a table with the same numbers beside it: a
//! screen reader and a person who prefers numbers both get the data. Text inside the SVG (axis
//! labels) is laid out by plotters' built-in estimate, without font files, and drawn by the
//! browser with its own sans-serif font, so a server without fonts renders the same charts.

use askama::Template;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 260;
/// The series colours, in order (dark enough to read against white).
const COLOURS: [RGBColor; 3] = [RGBColor(29, 78, 216), RGBColor(180, 83, 9), RGBColor(22, 101, 52)];
const GRID: RGBColor = RGBColor(217, 226, 236);
const INK: RGBColor = RGBColor(31, 41, 51);

#[derive(Template)]
#[template(path = "chart.svg", escape = "html")]
struct ChartSvg<'a> {
    id: &'a str,
    width: u32,
    height: u32,
    title: &'a str,
    desc: &'a str,
    body: &'a str,
}

/// What a chart is, for people: its id (unique on the page), title and description.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    /// Unique on the page; the title's and description's ids derive from it.
    pub id: &'a str,
    /// What the chart shows.
    pub title: &'a str,
    /// The numbers, in a sentence.
    pub desc: &'a str,
    /// The vertical axis' name.
    pub y_desc: &'a str,
}

/// Wraps plotters' drawing in our accessible `<svg>` element.
fn wrap(labels: Labels<'_>, drawn: Result<String, String>) -> String {
    let body = match drawn {
        Ok(svg) => {
            let start = svg.find('>').map(|i| i + 1).unwrap_or(0);
            let end = svg.rfind("</svg>").unwrap_or(svg.len());
            svg.get(start..end).unwrap_or_default().to_owned()
        }
        Err(e) => {
            tracing::error!(error = %e, chart = labels.id, "chart failed to draw");
            String::new()
        }
    };
    ChartSvg {
        id: labels.id,
        width: WIDTH,
        height: HEIGHT,
        title: labels.title,
        desc: labels.desc,
        body: &body,
    }
    .render()
    .unwrap_or_default()
}

/// Shows every `step`-th label, so a month of days does not crowd the axis.
fn label_step(n: usize) -> usize {
    n.div_ceil(8).max(1)
}

fn axis_max(max: f64) -> f64 {
    if max <= 0.0 {
        1.0
    } else {
        max * 1.1
    }
}

/// A bar chart: one bar per label.
pub fn bars(labels: Labels<'_>, x: &[String], values: &[f64]) -> String {
    let data_max = values.iter().copied().fold(0.0, f64::max);
    // Counts get whole-number ticks only (no "0.5 sessions").
    let counts = values.iter().all(|v| v.fract() == 0.0);
    let max = if counts {
        axis_max(data_max).ceil().max(1.0)
    } else {
        axis_max(data_max)
    };
    let y_ticks = if counts { (max as usize + 1).min(6) } else { 5 };
    let mut out = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let n = x.len().max(1);
        let step = label_step(n);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(76)
            // An integer range is inclusive here: `0..n - 1` gives exactly n slots.
            .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..max)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(GRID)
            .bold_line_style(GRID)
            .axis_style(INK)
            .label_style(("sans-serif", 16).into_font().color(&INK))
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if i.is_multiple_of(step) => x.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_labels(y_ticks)
            .y_label_formatter(&|v| {
                if counts && v.fract() != 0.0 {
                    String::new()
                } else {
                    short_number(*v)
                }
            })
            .y_desc(labels.y_desc)
            .draw()?;
        chart.draw_series(
            Histogram::vertical(&chart)
                .style(COLOURS[0].filled())
                .margin(3)
                .data(values.iter().enumerate().map(|(i, v)| (i, *v))),
        )?;
        root.present()?;
        Ok(())
    })()
    .map_err(|e| e.to_string());
    let drawn = drawn.map(|()| out);
    wrap(labels, drawn)
}

/// One line of a line chart: its name and a value per label (gaps where `None`).
pub struct Series<'a> {
    /// The legend's name.
    pub name: &'a str,
    /// Values, one per label.
    pub values: Vec<Option<f64>>,
}

/// A line chart over the labels, with a legend; `y_max` fixes the scale (e.g. 100 for scores).
pub fn lines(labels: Labels<'_>, x: &[String], series: &[Series<'_>], y_max: Option<f64>) -> String {
    let data_max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .copied()
        .fold(0.0, f64::max);
    let max = y_max.unwrap_or_else(|| axis_max(data_max));
    let mut out = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let n = x.len().max(1);
        let step = label_step(n);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(76)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..max)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(GRID)
            .bold_line_style(GRID)
            .axis_style(INK)
            .label_style(("sans-serif", 16).into_font().color(&INK))
            .x_labels(n)
            .x_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize).is_multiple_of(step) {
                    x.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_labels(5)
            .y_label_formatter(&|v| short_number(*v))
            .y_desc(labels.y_desc)
            .draw()?;
        for (k, s) in series.iter().enumerate() {
            let colour = COLOURS[k % COLOURS.len()];
            // Consecutive known values form one segment; a gap breaks the line.
            let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for (i, v) in s.values.iter().enumerate() {
                match v {
                    Some(v) => segments
                        .last_mut()
                        .map(|seg| seg.push((i as f64, *v)))
                        .unwrap_or(()),
                    None => segments.push(Vec::new()),
                }
            }
            let mut first = true;
            for seg in segments.into_iter().filter(|s| !s.is_empty()) {
                let line = chart.draw_series(LineSeries::new(seg.clone(), colour.stroke_width(3)))?;
                if first && series.len() > 1 {
                    line.label(s.name).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(3))
                    });
                }
                first = false;
                chart.draw_series(seg.into_iter().map(|p| Circle::new(p, 4, colour.filled())))?;
            }
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.9))
                .border_style(GRID)
                .label_font(("sans-serif", 16).into_font().color(&INK))
                .position(SeriesLabelPosition::UpperLeft)
                .draw()?;
        }
        root.present()?;
        Ok(())
    })()
    .map_err(|e| e.to_string());
    let drawn = drawn.map(|()| out);
    wrap(labels, drawn)
}

/// `1234` -> `1.2k`, `2500000` -> `2.5M`, small numbers as they are (one decimal at most), and
/// numbers below one with two significant digits (`0.00071` -> `0.00071`), so a cent-sized axis
/// does not read `0.0` at every tick.
pub fn short_number(v: f64) -> String {
    let a = v.abs();
    if a > 0.0 && a < 1.0 {
        let decimals = (-a.log10()).floor() as usize + 2;
        return format!("{v:.decimals$}");
    }
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(id: &'static str) -> Labels<'static> {
        Labels {
            id,
            title: "Sessions <by> day",
            desc: "3 & 5",
            y_desc: "sessions",
        }
    }

    #[test]
    fn a_bar_chart_is_an_accessible_svg_with_escaped_title() {
        let svg = bars(l("s"), &["Dec 1".into(), "Dec 2".into()], &[3.0, 5.0]);
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-labelledby="s-title s-desc""#));
        assert!(
            svg.contains(r#"<title id="s-title">Sessions &#60;by&#62; day</title>"#)
                || svg.contains("Sessions &lt;by&gt; day"),
            "{svg}"
        );
        assert!(!svg.contains("<by>"));
        assert_eq!(
            svg.matches("<svg").count(),
            1,
            "one svg element: plotters' own is unwrapped"
        );
        assert!(
            svg.contains("Dec 1") && svg.contains("Dec 2"),
            "axis labels drawn as text"
        );
        assert!(svg.contains("<rect"), "bars drawn");
    }

    #[test]
    fn a_line_chart_breaks_at_gaps_and_has_a_legend_for_two_series() {
        let x: Vec<String> = (1..=4).map(|i| format!("W{i}")).collect();
        let svg = lines(
            l("t"),
            &x,
            &[
                Series {
                    name: "clarity",
                    values: vec![Some(50.0), None, Some(60.0), Some(70.0)],
                },
                Series {
                    name: "verified",
                    values: vec![Some(10.0), Some(20.0), Some(30.0), Some(40.0)],
                },
            ],
            Some(100.0),
        );
        assert!(svg.contains("clarity") && svg.contains("verified"), "legend");
        // Series one (blue): a lone point, then a two-point segment, plus its legend swatch;
        // series two (amber): one four-point line plus its swatch. Grid lines are thinner.
        let blue = r##"stroke="#1D4ED8" stroke-width="3""##;
        let amber = r##"stroke="#B45309" stroke-width="3""##;
        assert_eq!(svg.matches(blue).count(), 3, "{svg}");
        assert_eq!(svg.matches(amber).count(), 2, "{svg}");
        assert_eq!(svg.matches("<circle").count(), 7, "one marker per known value");
    }

    #[test]
    fn numbers_are_short_on_axes() {
        assert_eq!(short_number(12.0), "12");
        assert_eq!(short_number(2.5), "2.5");
        assert_eq!(short_number(1234.0), "1.2k");
        assert_eq!(short_number(45_000.0), "45k");
        assert_eq!(short_number(2_500_000.0), "2.5M");
        assert_eq!(short_number(0.0), "0");
        assert_eq!(short_number(0.5), "0.50");
        assert_eq!(short_number(0.00071), "0.00071");
    }
}
