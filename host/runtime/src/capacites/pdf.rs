//! `pdf`: a layout rendered into PDF/A-1b by the host. The host renders
//! outside the plugin's deadline and memory cap, so every layout is bounded
//! before it is rendered (blocks, text, table cells, DataMatrix bytes): a
//! plugin cannot keep the host busy for minutes or fill its memory. The
//! bounds are far above any medical document (a 30-page synthèse has a few
//! hundred blocks).

use crate::model::{Block, Error, Layout};
use crate::state::HostState;
use esculape_registry::Capability;

/// Blocks of one layout.
pub const MAX_BLOCKS: usize = 5_000;
/// Text of one layout, all blocks and cells together.
pub const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;
/// Cells of all the tables of one layout.
pub const MAX_TABLE_CELLS: usize = 50_000;
/// Bytes of one DataMatrix (the INS one carries about 150).
pub const MAX_DATAMATRIX_BYTES: usize = 2_048;

/// Whether a layout is within the bounds; the first bound passed otherwise.
pub fn borner(layout: &Layout) -> Result<(), Error> {
    let limite = |what: String| Err(Error::Limit(format!("mise en page trop grande : {what}")));
    if layout.blocks.len() > MAX_BLOCKS {
        return limite(format!(
            "{} blocs (maximum {MAX_BLOCKS})",
            layout.blocks.len()
        ));
    }
    let mut text = layout.title.len() + layout.author.len();
    let mut cells = 0usize;
    for b in &layout.blocks {
        match b {
            Block::Heading((_, t)) | Block::Paragraph(t) => text += t.len(),
            Block::Table((head, rows)) => {
                cells += head.len() + rows.iter().map(Vec::len).sum::<usize>();
                text += head.iter().map(String::len).sum::<usize>()
                    + rows.iter().flatten().map(String::len).sum::<usize>();
            }
            Block::Datamatrix((bytes, caption)) => {
                if bytes.len() > MAX_DATAMATRIX_BYTES {
                    return limite(format!(
                        "DataMatrix de {} octets (maximum {MAX_DATAMATRIX_BYTES})",
                        bytes.len()
                    ));
                }
                text += caption.len();
            }
            Block::PageBreak => {}
        }
    }
    if text > MAX_TEXT_BYTES {
        return limite(format!("{text} octets de texte (maximum {MAX_TEXT_BYTES})"));
    }
    if cells > MAX_TABLE_CELLS {
        return limite(format!(
            "{cells} cellules de tableau (maximum {MAX_TABLE_CELLS})"
        ));
    }
    Ok(())
}

pub(crate) fn render(s: &mut HostState, layout: &Layout) -> Result<Vec<u8>, Error> {
    s.grant(Capability::Pdf)?;
    borner(layout)?;
    match &s.services.pdf {
        Some(renderer) => renderer.render(layout),
        None => Err(Error::Internal(
            "aucun moteur PDF n'est configuré dans cet hôte".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(blocks: Vec<Block>) -> Layout {
        Layout {
            title: "t".into(),
            author: "a".into(),
            blocks,
        }
    }

    #[test]
    fn layouts_beyond_the_bounds_are_refused_in_french() {
        let para = |n: usize| Block::Paragraph("x".repeat(n));
        assert!(borner(&layout(vec![para(100); MAX_BLOCKS])).is_ok());
        let too_many = borner(&layout(vec![para(1); MAX_BLOCKS + 1])).unwrap_err();
        assert!(
            matches!(&too_many, Error::Limit(m) if m.contains("blocs")),
            "{too_many:?}"
        );
        let text = borner(&layout(vec![para(MAX_TEXT_BYTES / 2); 3])).unwrap_err();
        assert!(
            matches!(&text, Error::Limit(m) if m.contains("octets de texte")),
            "{text:?}"
        );
        let row = vec!["c".to_string(); 1_000];
        let cells = borner(&layout(vec![Block::Table((vec![], vec![row; 51]))])).unwrap_err();
        assert!(
            matches!(&cells, Error::Limit(m) if m.contains("cellules")),
            "{cells:?}"
        );
        let dm = Block::Datamatrix((vec![0; MAX_DATAMATRIX_BYTES + 1], "INS".into()));
        assert!(matches!(borner(&layout(vec![dm])), Err(Error::Limit(_))));
    }
}
