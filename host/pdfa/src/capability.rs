//! The runtime's `pdf` capability: a plugin's layout (WIT `pdf.layout`)
//! rendered by [`Renderer`], dated by the host's clock.

use crate::{Block, Layout, Moment, Renderer};
use esculape_runtime::api::{pdf, types};
use esculape_runtime::{Clock, PdfRenderer};
use std::sync::Arc;

pub struct PdfCapability {
    renderer: Renderer,
    clock: Arc<dyn Clock>,
}

impl PdfCapability {
    pub fn new(clock: Arc<dyn Clock>) -> Result<Self, crate::PdfError> {
        Ok(Self {
            renderer: Renderer::new()?,
            clock,
        })
    }
}

/// A WIT timestamp as a local [`Moment`].
pub fn moment(t: types::Timestamp) -> Moment {
    let local = t.unix_millis.div_euclid(1000) + i64::from(t.utc_offset_minutes) * 60;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    // H. Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    Moment {
        year,
        month,
        day,
        hour: (secs / 3600) as u8,
        minute: (secs % 3600 / 60) as u8,
        second: (secs % 60) as u8,
        utc_offset_minutes: t.utc_offset_minutes,
    }
}

pub fn layout(l: &pdf::Layout, created: Moment) -> Layout {
    Layout {
        title: l.title.clone(),
        author: l.author.clone(),
        created,
        blocks: l
            .blocks
            .iter()
            .map(|b| match b {
                pdf::Block::Heading((level, text)) => Block::Heading(*level, text.clone()),
                pdf::Block::Paragraph(text) => Block::Paragraph(text.clone()),
                pdf::Block::Table((header, rows)) => Block::Table(header.clone(), rows.clone()),
                pdf::Block::Datamatrix((bytes, caption)) => {
                    Block::DataMatrix(bytes.clone(), caption.clone())
                }
                pdf::Block::PageBreak => Block::PageBreak,
            })
            .collect(),
    }
}

impl PdfRenderer for PdfCapability {
    fn render(&self, l: &pdf::Layout) -> Result<Vec<u8>, types::Error> {
        self.renderer
            .render(&layout(l, moment(self.clock.now())))
            .map_err(|e| types::Error::Internal(e.to_string()))
    }
}
