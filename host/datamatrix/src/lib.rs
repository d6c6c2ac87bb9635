//! Reading the GS1 DataMatrix of a medicine box from a picture (SC.VACC/NOTE.05).
//!
//! Most practices scan vaccine boxes with a 2D reader that types the GS1
//! string into the form; this crate serves the others: a photo from a
//! phone or a webcam, a flat-bed scan. The image (PNG or JPEG) is turned to
//! grey levels and handed to rxing's DataMatrix detector and decoder (the
//! Rust port of ZXing), which finds the symbol at any angle and size.
//!
//! The text comes back as a 2D reader would type it: GS1 application
//! identifiers with FNC1 separators as GS (0x1D). Parsing the identifiers
//! (GTIN, lot, expiry) stays with the vaccination note plugin.

use image::ImageReader;
use rxing::BarcodeFormat;
use std::io::Cursor;

/// Pictures larger than this (on their longer side) are first searched
/// reduced: a 12-megapixel photo takes seconds at full size and the code
/// usually fills enough of it.
const REDUCED_SIDE: u32 = 1600;
/// Refused beyond this: 50 megapixels.
const MAX_PIXELS: u64 = 50_000_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LectureError {
    #[error("image illisible ({0}) : formats acceptés PNG et JPEG")]
    Image(String),
    #[error("image trop grande ({0}×{1} pixels) : 50 mégapixels au plus")]
    TropGrande(u32, u32),
    #[error(
        "aucun DataMatrix lisible dans l'image : cadrez le code de plus près, net et bien éclairé"
    )]
    Introuvable,
}

/// The text of the DataMatrix in `image` (the bytes of a PNG or JPEG file).
pub fn lire(image: &[u8]) -> Result<String, LectureError> {
    let reader = ImageReader::new(Cursor::new(image))
        .with_guessed_format()
        .map_err(|e| LectureError::Image(e.to_string()))?;
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| LectureError::Image(e.to_string()))?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(LectureError::TropGrande(w, h));
    }
    let picture = ImageReader::new(Cursor::new(image))
        .with_guessed_format()
        .map_err(|e| LectureError::Image(e.to_string()))?
        .decode()
        .map_err(|e| LectureError::Image(e.to_string()))?
        .to_luma8();
    if w.max(h) > REDUCED_SIDE {
        let scale = f64::from(REDUCED_SIDE) / f64::from(w.max(h));
        let (rw, rh) = (
            ((f64::from(w) * scale) as u32).max(1),
            ((f64::from(h) * scale) as u32).max(1),
        );
        let reduced =
            image::imageops::resize(&picture, rw, rh, image::imageops::FilterType::Triangle);
        if let Some(text) = detect(reduced) {
            return Ok(text);
        }
    }
    detect(picture).ok_or(LectureError::Introuvable)
}

fn detect(luma: image::GrayImage) -> Option<String> {
    let (w, h) = luma.dimensions();
    rxing::helpers::detect_in_luma(luma.into_raw(), w, h, Some(BarcodeFormat::DATA_MATRIX))
        .ok()
        .map(|r| r.getText().to_string())
}

/// Pictures of a box's code for tests: the symbol drawn by an independent
/// encoder (the `datamatrix` crate), turned, noised, saved as PNG or JPEG.
#[cfg(any(test, feature = "exemple"))]
pub mod exemple {
    use datamatrix::{DataMatrix, SymbolList};
    use image::{GrayImage, Luma};
    use std::io::Cursor;

    /// A vaccine box's GS1 string: GTIN (a CIP13), expiry, lot, serial.
    pub const GS1: &str = "010340093285724117270331103A1234\u{1d}21SERIAL9";

    /// `gs1` as a GS1 DataMatrix drawn `module` pixels per module with a
    /// quiet zone, then turned by `degrees` on a grey background and noised
    /// (±`noise`/2 grey levels) as a phone photo is.
    pub fn photo(gs1: &str, module: u32, degrees: f64, noise: u8) -> GrayImage {
        let code = DataMatrix::encode_gs1(gs1.as_bytes(), SymbolList::default())
            .expect("GS1 DataMatrix encodable");
        let bitmap = code.bitmap();
        let side = (bitmap.width() as u32 + 4) * module;
        let mut flat = GrayImage::from_pixel(side, side, Luma([235]));
        for (x, y) in bitmap.pixels() {
            for i in 0..module {
                for j in 0..module {
                    flat.put_pixel(
                        (x as u32 + 2) * module + i,
                        (y as u32 + 2) * module + j,
                        Luma([30]),
                    );
                }
            }
        }
        let out_side = side * 2;
        let (c, s) = (degrees.to_radians().cos(), degrees.to_radians().sin());
        let half_in = f64::from(side) / 2.0;
        let half_out = f64::from(out_side) / 2.0;
        let mut seed = 7u32;
        GrayImage::from_fn(out_side, out_side, |x, y| {
            let (dx, dy) = (f64::from(x) - half_out, f64::from(y) - half_out);
            let (sx, sy) = (c * dx + s * dy + half_in, -s * dx + c * dy + half_in);
            let inside = sx >= 0.0 && sy >= 0.0 && sx < f64::from(side) && sy < f64::from(side);
            let base = if inside {
                flat.get_pixel(sx as u32, sy as u32)[0]
            } else {
                180
            };
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let jitter = (seed >> 16) as u8 % noise.max(1);
            Luma([base.saturating_add(jitter).saturating_sub(noise / 2)])
        })
    }

    pub fn png(img: &GrayImage) -> Vec<u8> {
        let mut out = Cursor::new(vec![]);
        img.write_to(&mut out, image::ImageFormat::Png)
            .expect("PNG written");
        out.into_inner()
    }

    /// A grey PNG with no code in it.
    pub fn sans_code() -> Vec<u8> {
        png(&GrayImage::from_pixel(200, 200, Luma([200])))
    }

    pub fn jpeg(img: &GrayImage) -> Vec<u8> {
        let mut out = Cursor::new(vec![]);
        img.write_to(&mut out, image::ImageFormat::Jpeg)
            .expect("JPEG written");
        out.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::exemple::{GS1, jpeg, photo, png, sans_code};
    use super::*;

    #[test]
    fn a_straight_scan_gives_the_gs1_string() {
        assert_eq!(lire(&png(&photo(GS1, 6, 0.0, 1))).unwrap(), GS1);
    }

    #[test]
    fn a_turned_noisy_photo_in_jpeg_gives_the_gs1_string() {
        let img = photo(GS1, 9, 23.0, 40);
        assert_eq!(lire(&jpeg(&img)).unwrap(), GS1);
    }

    #[test]
    fn a_large_photo_is_read() {
        // 2,000 pixels a side: searched reduced first.
        let img = photo(GS1, 40, 10.0, 20);
        assert!(img.width() > REDUCED_SIDE);
        assert_eq!(lire(&png(&img)).unwrap(), GS1);
    }

    #[test]
    fn a_picture_without_a_code_or_not_an_image_is_refused_in_french() {
        assert_eq!(lire(&sans_code()), Err(LectureError::Introuvable));
        let err = lire(b"pas une image").unwrap_err();
        assert!(matches!(err, LectureError::Image(_)), "{err}");
        assert!(err.to_string().contains("PNG et JPEG"));
    }
}
