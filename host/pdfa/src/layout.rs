//! A flow of blocks laid out on A4 pages: headings, wrapped paragraphs,
//! tables with wrapped cells, DataMatrix codes with their caption; a
//! footer with the page number on every page.

use crate::PdfError;
use krilla::Document;
use krilla::SerializeSettings;
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder, PdfVersion};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const BODY: f32 = 10.0;
const CELL_PAD: f32 = 3.0;
/// DataMatrix module side in points (about 0.5 mm: readable by phone and
/// desk scanners).
const MODULE: f32 = 1.5;

/// One block of a layout, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading of this level (1 = document title).
    Heading(u8, String),
    Paragraph(String),
    /// Header row, then rows.
    Table(Vec<String>, Vec<Vec<String>>),
    /// A DataMatrix of these bytes with its caption.
    DataMatrix(Vec<u8>, String),
    PageBreak,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    pub title: String,
    pub author: String,
    /// Creation time (PDF/A requires it in the info dictionary and XMP).
    pub created: Moment,
    pub blocks: Vec<Block>,
}

/// A local time with its UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Moment {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub utc_offset_minutes: i16,
}

struct Face {
    font: Font,
    data: &'static [u8],
}

impl Face {
    fn new(data: &'static [u8]) -> Result<Self, PdfError> {
        let font = Font::new(data.into(), 0)
            .ok_or_else(|| PdfError::Pdf("police embarquée illisible".into()))?;
        Ok(Self { font, data })
    }

    fn font_ref(&self) -> Option<skrifa::FontRef<'static>> {
        skrifa::FontRef::new(self.data).ok()
    }

    /// The text with every character the font lacks replaced (PDF/A
    /// forbids the .notdef glyph), and control characters as spaces.
    fn printable(&self, text: &str) -> String {
        let Some(f) = self.font_ref() else {
            return text.to_string();
        };
        let map = f.charmap();
        text.chars()
            .map(|c| {
                if c.is_control() {
                    ' '
                } else if map.map(c).is_some() {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let Some(f) = self.font_ref() else {
            return text.chars().count() as f32 * size * 0.6;
        };
        let map = f.charmap();
        let metrics = f.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .map(|c| {
                map.map(c)
                    .and_then(|g| metrics.advance_width(g))
                    .unwrap_or(size * 0.6)
            })
            .sum()
    }

    /// Greedy line breaking on spaces; a word wider than the line is cut.
    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split(' ') {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size) <= max || line.is_empty() && word.is_empty() {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // The word alone; cut it while it does not fit.
                let mut rest = word.to_string();
                while self.width(&rest, size) > max && rest.chars().count() > 1 {
                    let mut cut = rest.chars().count() - 1;
                    while cut > 1
                        && self.width(&rest.chars().take(cut).collect::<String>(), size) > max
                    {
                        cut -= 1;
                    }
                    lines.push(rest.chars().take(cut).collect());
                    rest = rest.chars().skip(cut).collect();
                }
                line = rest;
            }
            lines.push(line);
        }
        lines
    }
}

/// What is drawn on a page, positioned (y from the top).
enum Op {
    Text {
        x: f32,
        y: f32,
        bold: bool,
        size: f32,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
    Modules {
        x: f32,
        y: f32,
        side: f32,
        cells: Vec<(usize, usize)>,
    },
}

/// Renders layouts; holds the parsed fonts.
pub struct Renderer {
    regular: Face,
    bold: Face,
}

impl Renderer {
    pub fn new() -> Result<Self, PdfError> {
        Ok(Self {
            regular: Face::new(REGULAR)?,
            bold: Face::new(BOLD)?,
        })
    }

    fn face(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }

    /// Lay the blocks out on pages.
    fn paginate(&self, layout: &Layout) -> Result<Vec<Vec<Op>>, PdfError> {
        let width = PAGE_W - 2.0 * MARGIN;
        let bottom = PAGE_H - MARGIN - 20.0;
        let mut pages: Vec<Vec<Op>> = vec![vec![]];
        let mut y = MARGIN;
        // Start a new page when `h` does not fit any more.
        let room = |pages: &mut Vec<Vec<Op>>, y: &mut f32, h: f32| {
            if *y + h > bottom && *y > MARGIN {
                pages.push(vec![]);
                *y = MARGIN;
            }
        };
        for block in &layout.blocks {
            match block {
                Block::Heading(level, text) => {
                    let size = match level {
                        0 | 1 => 16.0,
                        2 => 13.0,
                        _ => 11.0,
                    };
                    let text = self.bold.printable(text);
                    for line in self.bold.wrap(&text, size, width) {
                        room(&mut pages, &mut y, size * 1.8);
                        y += size * 1.4;
                        last(&mut pages).push(Op::Text {
                            x: MARGIN,
                            y,
                            bold: true,
                            size,
                            text: line,
                        });
                    }
                    y += size * 0.5;
                }
                Block::Paragraph(text) => {
                    let text = self.regular.printable(text);
                    for line in self.regular.wrap(&text, BODY, width) {
                        room(&mut pages, &mut y, BODY * 1.4);
                        y += BODY * 1.4;
                        last(&mut pages).push(Op::Text {
                            x: MARGIN,
                            y,
                            bold: false,
                            size: BODY,
                            text: line,
                        });
                    }
                    y += BODY * 0.6;
                }
                Block::Table(header, rows) => {
                    let cols = header
                        .len()
                        .max(rows.iter().map(Vec::len).max().unwrap_or(0))
                        .max(1);
                    let col_w = width / cols as f32;
                    let mut all = vec![(true, header.clone())];
                    all.extend(rows.iter().map(|r| (false, r.clone())));
                    for (bold, row) in all {
                        if row.is_empty() {
                            continue;
                        }
                        let face = self.face(bold);
                        let cells: Vec<Vec<String>> = (0..cols)
                            .map(|i| {
                                let t =
                                    face.printable(row.get(i).map(String::as_str).unwrap_or(""));
                                face.wrap(&t, BODY, col_w - 2.0 * CELL_PAD)
                            })
                            .collect();
                        let n = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
                        let h = n as f32 * BODY * 1.3 + 2.0 * CELL_PAD;
                        room(&mut pages, &mut y, h);
                        let page = last(&mut pages);
                        page.push(Op::Line {
                            x1: MARGIN,
                            y1: y,
                            x2: MARGIN + width,
                            y2: y,
                        });
                        for (i, lines) in cells.into_iter().enumerate() {
                            for (j, line) in lines.into_iter().enumerate() {
                                page.push(Op::Text {
                                    x: MARGIN + i as f32 * col_w + CELL_PAD,
                                    y: y + CELL_PAD + (j as f32 + 1.0) * BODY * 1.3 - BODY * 0.3,
                                    bold,
                                    size: BODY,
                                    text: line,
                                });
                            }
                        }
                        y += h;
                        page.push(Op::Line {
                            x1: MARGIN,
                            y1: y,
                            x2: MARGIN + width,
                            y2: y,
                        });
                    }
                    y += BODY;
                }
                Block::DataMatrix(bytes, caption) => {
                    let code =
                        datamatrix::DataMatrix::encode(bytes, datamatrix::SymbolList::default())
                            .map_err(|e| PdfError::DataMatrix(format!("{e:?}")))?;
                    let bitmap = code.bitmap();
                    let side = bitmap.width().max(bitmap.height()) as f32 * MODULE;
                    room(&mut pages, &mut y, side + 2.5 * BODY);
                    let page = last(&mut pages);
                    page.push(Op::Modules {
                        x: MARGIN,
                        y,
                        side: MODULE,
                        cells: bitmap.pixels().collect(),
                    });
                    y += side + BODY * 1.4;
                    page.push(Op::Text {
                        x: MARGIN,
                        y,
                        bold: true,
                        size: BODY,
                        text: self.bold.printable(caption),
                    });
                    y += BODY;
                }
                Block::PageBreak => {
                    pages.push(vec![]);
                    y = MARGIN;
                }
            }
        }
        Ok(pages)
    }

    /// The PDF/A-1b bytes of a layout.
    pub fn render(&self, layout: &Layout) -> Result<Vec<u8>, PdfError> {
        let pages = self.paginate(layout)?;
        let configuration = ConfigurationBuilder::new()
            .with_version(PdfVersion::Pdf14)
            .with_archival_validator(Archival::A1_B)
            .finish()
            .map_err(|e| PdfError::Pdf(format!("{e:?}")))?;
        let settings = SerializeSettings {
            configuration,
            ..SerializeSettings::default()
        };
        let mut doc = Document::new_with(settings);
        let c = layout.created;
        let date = DateTime::new(c.year.max(1))
            .month(c.month.clamp(1, 12))
            .day(c.day.clamp(1, 31))
            .hour(c.hour.min(23))
            .minute(c.minute.min(59))
            .second(c.second.min(59))
            .utc_offset_hour((c.utc_offset_minutes / 60) as i8)
            .utc_offset_minute((c.utc_offset_minutes.rem_euclid(60)) as u8);
        let mut meta = Metadata::new()
            .language("fr-FR".into())
            .creator("Esculape".into())
            .creation_date(date);
        if !layout.title.is_empty() {
            meta = meta.title(layout.title.clone());
        }
        if !layout.author.is_empty() {
            meta = meta.authors(vec![layout.author.clone()]);
        }
        doc.set_metadata(meta);
        let total = pages.len();
        for (n, ops) in pages.into_iter().enumerate() {
            let size = PageSettings::from_wh(PAGE_W, PAGE_H)
                .ok_or_else(|| PdfError::Pdf("format de page".into()))?;
            let mut page = doc.start_page_with(size);
            let mut surface = page.surface();
            surface.set_fill(Some(black_fill()));
            for op in ops {
                match op {
                    Op::Text {
                        x,
                        y,
                        bold,
                        size,
                        text,
                    } => {
                        if text.trim().is_empty() {
                            continue;
                        }
                        surface.draw_text(
                            Point::from_xy(x, y),
                            self.face(bold).font.clone(),
                            size,
                            &text,
                            false,
                            TextDirection::Auto,
                        );
                    }
                    Op::Line { x1, y1, x2, y2 } => {
                        let mut pb = PathBuilder::new();
                        pb.move_to(x1, y1);
                        pb.line_to(x2, y2);
                        if let Some(path) = pb.finish() {
                            surface.set_fill(None);
                            surface.set_stroke(Some(Stroke {
                                paint: rgb::Color::new(120, 120, 120).into(),
                                width: 0.5,
                                ..Stroke::default()
                            }));
                            surface.draw_path(&path);
                            surface.set_stroke(None);
                            surface.set_fill(Some(black_fill()));
                        }
                    }
                    Op::Modules { x, y, side, cells } => {
                        let mut pb = PathBuilder::new();
                        for (cx, cy) in cells {
                            if let Some(r) = Rect::from_xywh(
                                x + cx as f32 * side,
                                y + cy as f32 * side,
                                side,
                                side,
                            ) {
                                pb.push_rect(r);
                            }
                        }
                        if let Some(path) = pb.finish() {
                            surface.draw_path(&path);
                        }
                    }
                }
            }
            let footer = format!(
                "{} — page {} / {}",
                self.regular.printable(&layout.title),
                n + 1,
                total
            );
            surface.draw_text(
                Point::from_xy(MARGIN, PAGE_H - MARGIN + 10.0),
                self.regular.font.clone(),
                8.0,
                &footer,
                false,
                TextDirection::Auto,
            );
            surface.finish();
            page.finish();
        }
        doc.finish().map_err(|e| PdfError::Pdf(format!("{e:?}")))
    }
}

fn black_fill() -> Fill {
    Fill {
        paint: rgb::Color::black().into(),
        ..Fill::default()
    }
}

fn last(pages: &mut Vec<Vec<Op>>) -> &mut Vec<Op> {
    if pages.is_empty() {
        pages.push(vec![]);
    }
    let n = pages.len() - 1;
    &mut pages[n]
}
