//! The PNG chart of the admins' `/stats`: posts per day and subscribers.
//!
//! Pure function: takes daily points and already-localised labels, returns PNG
//! bytes. Text is rasterised with `ab_glyph` from an embedded font (Noto Sans
//! Regular 1.04, Apache-2.0, from the `ttf-noto-sans` crate), so no system
//! fonts or fontconfig are needed at run time.
//!
//! Text goes through `text::TextBackend`, a thin wrapper around plotters'
//! `BitMapBackend` that does its own glyph layout: plotters 0.3.7's built-in
//! `ab_glyph` text ignores each glyph's left side bearing, which gives visibly
//! uneven letter spacing ("h ari", "akti f").

use chrono::NaiveDate;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

/// Chart width in pixels.
pub const WIDTH: u32 = 900;
/// Chart height in pixels.
pub const HEIGHT: u32 = 600;

/// Minimum number of day slots on the x axis (keeps bars narrow for 1-2 points).
const MIN_SLOTS: i32 = 7;

/// One day of statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyPoint {
    pub day: NaiveDate,
    pub posts: u32,
    pub subscribers: u32,
}

/// Localised texts drawn on the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartLabels {
    /// e.g. "Warta — 30 hari terakhir"
    pub title: String,
    /// e.g. "Kiriman per hari"
    pub posts: String,
    /// e.g. "Pelanggan aktif"
    pub subscribers: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("embedded chart font could not be loaded")]
    Font,
    #[error("too many points for a chart: {0}")]
    TooManyPoints(usize),
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    #[error("encoding the chart as PNG failed: {0}")]
    Png(#[from] png::EncodingError),
}

/// Family name passed to plotters; only our backend interprets text, so the
/// name is informational.
const FONT_FAMILY: &str = "sans-serif";

/// Text rendering: embedded font + a `BitMapBackend` wrapper.
mod text {
    use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
    use plotters::prelude::{BitMapBackend, DrawingBackend};
    use plotters_backend::text_anchor::{HPos, VPos};
    use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};

    use super::ChartError;

    /// The embedded font, parsed per chart (cheap: it only reads the table directory).
    pub(crate) fn font() -> Result<FontRef<'static>, ChartError> {
        FontRef::try_from_slice(ttf_noto_sans::REGULAR).map_err(|_| ChartError::Font)
    }

    /// `BitMapBackend` with correct text rendering (bearing + kerning aware).
    /// Everything except text is delegated unchanged.
    pub(crate) struct TextBackend<'a> {
        pub(crate) inner: BitMapBackend<'a>,
        pub(crate) font: FontRef<'static>,
    }

    impl TextBackend<'_> {
        /// Lays `text` out on a baseline at y = ascent and calls `f` per glyph.
        /// Returns (advance width, line height) in pixels.
        fn layout(&self, text: &str, size: f64, mut f: impl FnMut(ab_glyph::OutlinedGlyph)) -> (f32, f32) {
            // Display-only conversion; font sizes are small.
            #[allow(clippy::cast_possible_truncation)]
            let scaled = self.font.as_scaled(PxScale::from(size as f32));
            let mut pen = 0.0f32;
            let mut prev = None;
            for c in text.chars() {
                let id = scaled.glyph_id(c);
                if let Some(p) = prev {
                    pen += scaled.kern(p, id);
                }
                let glyph = id.with_scale_and_position(scaled.scale(), point(pen, scaled.ascent()));
                if let Some(outlined) = self.font.outline_glyph(glyph) {
                    f(outlined);
                }
                pen += scaled.h_advance(id);
                prev = Some(id);
            }
            (pen, scaled.height())
        }
    }

    type BackendResult = Result<(), DrawingErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>>;

    impl DrawingBackend for TextBackend<'_> {
        type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

        fn get_size(&self) -> (u32, u32) {
            self.inner.get_size()
        }
        fn ensure_prepared(&mut self) -> BackendResult {
            self.inner.ensure_prepared()
        }
        fn present(&mut self) -> BackendResult {
            self.inner.present()
        }
        fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> BackendResult {
            self.inner.draw_pixel(point, color)
        }
        fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> BackendResult {
            self.inner.draw_line(from, to, style)
        }
        fn draw_rect<S: BackendStyle>(
            &mut self,
            upper_left: BackendCoord,
            bottom_right: BackendCoord,
            style: &S,
            fill: bool,
        ) -> BackendResult {
            self.inner.draw_rect(upper_left, bottom_right, style, fill)
        }
        fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            path: I,
            style: &S,
        ) -> BackendResult {
            self.inner.draw_path(path, style)
        }
        fn draw_circle<S: BackendStyle>(
            &mut self,
            center: BackendCoord,
            radius: u32,
            style: &S,
            fill: bool,
        ) -> BackendResult {
            self.inner.draw_circle(center, radius, style, fill)
        }
        fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            vert: I,
            style: &S,
        ) -> BackendResult {
            self.inner.fill_polygon(vert, style)
        }
        fn blit_bitmap(&mut self, pos: BackendCoord, (iw, ih): (u32, u32), src: &[u8]) -> BackendResult {
            self.inner.blit_bitmap(pos, (iw, ih), src)
        }

        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        fn estimate_text_size<S: BackendTextStyle>(
            &self,
            text: &str,
            style: &S,
        ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
            let (w, h) = self.layout(text, style.size(), |_| {});
            Ok((w.ceil().max(0.0) as u32, h.ceil().max(0.0) as u32))
        }

        #[allow(clippy::cast_possible_truncation)]
        fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> BackendResult {
            let color = style.color();
            if color.alpha == 0.0 {
                return Ok(());
            }
            let mut pixels = Vec::new();
            let (w, h) = self.layout(text, style.size(), |g| {
                let b = g.px_bounds();
                g.draw(|x, y, cov| {
                    if cov > 0.0 {
                        pixels.push((b.min.x as i32 + x as i32, b.min.y as i32 + y as i32, cov));
                    }
                });
            });
            let (w, h) = (w.round() as i32, h.round() as i32);
            let anchor = style.anchor();
            let dx = match anchor.h_pos {
                HPos::Left => 0,
                HPos::Center => -w / 2,
                HPos::Right => -w,
            };
            let dy = match anchor.v_pos {
                VPos::Top => 0,
                VPos::Center => -h / 2,
                VPos::Bottom => -h,
            };
            let trans = style.transform();
            for (x, y, cov) in pixels {
                let (tx, ty) = trans.transform(x + dx, y + dy);
                let c = BackendColor { alpha: color.alpha * f64::from(cov.min(1.0)), rgb: color.rgb };
                // Out-of-bounds pixels are ignored by BitMapBackend::draw_pixel.
                self.inner.draw_pixel((pos.0 + tx, pos.1 + ty), c)?;
            }
            Ok(())
        }
    }
}

use text::{TextBackend, font};

fn draw_err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Draw(e.to_string())
}

/// Compact, locale-neutral axis number: 950, 12.5k, 4.3M, 4.29G.
fn compact(v: u64) -> String {
    // Float formatting is only for display; precision loss is irrelevant here.
    #[allow(clippy::cast_precision_loss)]
    let f = v as f64;
    if v >= 1_000_000_000 {
        format!("{:.2}G", f / 1e9)
    } else if v >= 1_000_000 {
        format!("{:.1}M", f / 1e6)
    } else if v >= 10_000 {
        format!("{:.1}k", f / 1e3)
    } else {
        v.to_string()
    }
}

/// Upper bound with ~10% headroom; never 0 so the axis range is not empty.
fn headroom(max: u64) -> u64 {
    (max + max / 10).max(1) + 1
}

/// Renders the two-panel stats chart (posts per day as bars on top,
/// subscribers over time as a line below) and returns PNG bytes.
pub fn render_stats_chart(points: &[DailyPoint], labels: &ChartLabels) -> Result<Vec<u8>, ChartError> {
    let font = font()?;
    let n = i32::try_from(points.len()).map_err(|_| ChartError::TooManyPoints(points.len()))?;
    // Segmented i32 ranges are inclusive: 0..slots-1 gives `slots` bars.
    // At least MIN_SLOTS so 0-1 points still get axes and a sane bar width.
    let slots = n.max(MIN_SLOTS);

    let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    {
        let backend = TextBackend { inner: BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)), font };
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let root = root.titled(&labels.title, (FONT_FAMILY, 26).into_font().color(&BLACK)).map_err(draw_err)?;
        let (upper, lower) = root.split_vertically(HEIGHT as i32 / 2 - 20);

        let day_label = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => usize::try_from(*i)
                .ok()
                .and_then(|i| points.get(i))
                .map(|p| p.day.format("%d/%m").to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let x_labels = usize::try_from(slots).unwrap_or(1).clamp(1, 10);
        let label_font = (FONT_FAMILY, 14).into_font();
        let caption_font = (FONT_FAMILY, 18).into_font();

        // --- posts per day (bars) ---
        let max_posts = points.iter().map(|p| u64::from(p.posts)).max().unwrap_or(0);
        let mut chart = ChartBuilder::on(&upper)
            .caption(&labels.posts, caption_font.clone())
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(60)
            .build_cartesian_2d((0..slots - 1).into_segmented(), 0u64..headroom(max_posts))
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(x_labels)
            .y_labels(6)
            .x_label_formatter(&day_label)
            .y_label_formatter(&|v| compact(*v))
            .label_style(label_font.clone())
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(RGBColor(66, 133, 244).filled())
                    .margin(if n > 60 { 0 } else { 2 })
                    .data((0..n).zip(points).map(|(i, p)| (i, u64::from(p.posts)))),
            )
            .map_err(draw_err)?;

        // --- subscribers over time (line + light area) ---
        let sub_min = points.iter().map(|p| u64::from(p.subscribers)).min().unwrap_or(0);
        let sub_max = points.iter().map(|p| u64::from(p.subscribers)).max().unwrap_or(0);
        let pad = ((sub_max - sub_min) / 10).max(1);
        let y_lo = sub_min.saturating_sub(pad);
        let y_hi = sub_max + pad + 1;
        let mut chart = ChartBuilder::on(&lower)
            .caption(&labels.subscribers, caption_font)
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(60)
            .build_cartesian_2d((0..slots - 1).into_segmented(), y_lo..y_hi)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(x_labels)
            .y_labels(6)
            .x_label_formatter(&day_label)
            .y_label_formatter(&|v| compact(*v))
            .label_style(label_font)
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(draw_err)?;
        let line = RGBColor(219, 68, 55);
        let series = || (0..n).zip(points).map(|(i, p)| (SegmentValue::CenterOf(i), u64::from(p.subscribers)));
        chart
            .draw_series(AreaSeries::new(series(), y_lo, line.mix(0.15)).border_style(line.stroke_width(2)))
            .map_err(draw_err)?;
        chart
            .draw_series(LineSeries::new(series(), line.stroke_width(2)).point_size(if n > 60 { 0 } else { 3 }))
            .map_err(draw_err)?;

        root.present().map_err(draw_err)?;
    }
    encode_png(&rgb)
}

fn encode_png(rgb: &[u8]) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::with_capacity(64 * 1024);
    {
        let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Balanced);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_SIG: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

    fn labels() -> ChartLabels {
        ChartLabels {
            title: "Warta — 30 hari terakhir".into(),
            posts: "Kiriman per hari".into(),
            subscribers: "Pelanggan aktif".into(),
        }
    }

    fn day(offset: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 29).expect("valid date") + chrono::Days::new(offset)
    }

    fn realistic(n: u64) -> Vec<DailyPoint> {
        (0..n)
            .map(|i| DailyPoint {
                day: day(i),
                posts: u32::try_from(8 + (i * 7) % 13).expect("small"),
                subscribers: u32::try_from(1200 + i * 9 - (i % 4) * 5).expect("small"),
            })
            .collect()
    }

    /// Asserts `bytes` is a PNG of the expected size; returns decoded RGB.
    fn check_png(bytes: &[u8]) -> Vec<u8> {
        assert!(bytes.starts_with(&PNG_SIG), "missing PNG signature");
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().expect("png header");
        let info = reader.info();
        assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        let frame = reader.next_frame(&mut buf).expect("png frame");
        assert_eq!(frame.color_type, png::ColorType::Rgb);
        buf.truncate(frame.buffer_size());
        buf
    }

    /// Writes the PNG to `$CHART_OUT_DIR/<name>.png` for eyeballing, if set.
    fn dump(name: &str, png: &[u8]) {
        if let Ok(dir) = std::env::var("CHART_OUT_DIR") {
            std::fs::write(format!("{dir}/{name}.png"), png).expect("write sample");
        }
    }

    fn non_white(rgb: &[u8]) -> usize {
        rgb.chunks_exact(3).filter(|p| p != &[255, 255, 255]).count()
    }

    #[test]
    fn empty_input() {
        let png = render_stats_chart(&[], &labels()).expect("render");
        dump("empty", &png);
        let rgb = check_png(&png);
        assert!(non_white(&rgb) > 0, "axes/title should be drawn");
    }

    #[test]
    fn single_point() {
        let pts = [DailyPoint { day: day(0), posts: 3, subscribers: 42 }];
        let png = render_stats_chart(&pts, &labels()).expect("render");
        dump("single", &png);
        check_png(&png);
    }

    #[test]
    fn thirty_realistic_points() {
        let png = render_stats_chart(&realistic(30), &labels()).expect("render");
        check_png(&png);
        dump("30", &png);
    }

    #[test]
    fn all_zero_values() {
        let pts: Vec<_> = (0..30).map(|i| DailyPoint { day: day(i), posts: 0, subscribers: 0 }).collect();
        check_png(&render_stats_chart(&pts, &labels()).expect("render"));
    }

    #[test]
    fn huge_values() {
        let pts: Vec<_> = (0..30)
            .map(|i| DailyPoint {
                day: day(i),
                posts: u32::MAX - u32::try_from(i).expect("small"),
                subscribers: if i % 2 == 0 { u32::MAX } else { 0 },
            })
            .collect();
        let png = render_stats_chart(&pts, &labels()).expect("render");
        dump("huge", &png);
        check_png(&png);
        let flat: Vec<_> = (0..3).map(|i| DailyPoint { day: day(i), posts: u32::MAX, subscribers: u32::MAX }).collect();
        check_png(&render_stats_chart(&flat, &labels()).expect("render"));
    }

    #[test]
    fn many_points_and_odd_labels() {
        let odd =
            ChartLabels { title: String::new(), posts: "📈 ☃ 漢字 \u{0}".into(), subscribers: "x".repeat(500) };
        let png = render_stats_chart(&realistic(2000), &odd).expect("render");
        dump("many", &png);
        check_png(&png);
        check_png(&render_stats_chart(&realistic(2), &odd).expect("render"));
    }

    /// Timing loop: `cargo test --release -- --ignored --nocapture bench_render`.
    #[test]
    #[ignore = "timing only"]
    fn bench_render() {
        let pts = realistic(30);
        let l = labels();
        let first = std::time::Instant::now();
        let png = render_stats_chart(&pts, &l).expect("render");
        let first = first.elapsed();
        let iters = 50u32;
        let t = std::time::Instant::now();
        for _ in 0..iters {
            std::hint::black_box(render_stats_chart(&pts, &l).expect("render"));
        }
        let per = t.elapsed() / iters;
        println!("first render {first:?}, steady {per:?}/render, PNG {} bytes", png.len());
    }
}
