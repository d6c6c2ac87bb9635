//! The runtime's `pdf` capability: a plugin's layout (WIT `pdf.layout`)
//! rendered by [`Renderer`], dated by the host's clock.

use crate::{Block, Layout, Moment, Renderer};
use esculape_runtime::model;
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
pub fn moment(t: model::Timestamp) -> Moment {
    let (year, month, day, hour, minute, second) =
        esculape_domain::calendar::local_parts(t.unix_millis, t.utc_offset_minutes);
    Moment {
        year: year.clamp(0, u16::MAX as i32) as u16,
        month: month as u8,
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
        second: second as u8,
        utc_offset_minutes: t.utc_offset_minutes,
    }
}

pub fn layout(l: &model::Layout, created: Moment) -> Layout {
    Layout {
        title: l.title.clone(),
        author: l.author.clone(),
        created,
        blocks: l
            .blocks
            .iter()
            .map(|b| match b {
                model::Block::Heading((level, text)) => Block::Heading(*level, text.clone()),
                model::Block::Paragraph(text) => Block::Paragraph(text.clone()),
                model::Block::Table((header, rows)) => Block::Table(header.clone(), rows.clone()),
                model::Block::Datamatrix((bytes, caption)) => {
                    Block::DataMatrix(bytes.clone(), caption.clone())
                }
                model::Block::PageBreak => Block::PageBreak,
            })
            .collect(),
    }
}

impl PdfRenderer for PdfCapability {
    fn render(&self, l: &model::Layout) -> Result<Vec<u8>, model::Error> {
        self.renderer
            .render(&layout(l, moment(self.clock.now())))
            .map_err(|e| model::Error::Internal(e.to_string()))
    }
}
