//! An organisation's logo, as an organiser uploads it: a PNG, JPEG or WebP image of at most
//! 1 MB, decoded, shrunk to fit `LOGO_MAX` pixels on its longer side and re-encoded as PNG.
//! Nothing uploaded is ever served as sent, and SVG (which can carry script) is refused.

use std::io::Cursor;

use image::{ImageFormat, ImageReader};

use crate::error::ApiError;
use crate::store::{self, StoredLogo};

/// The largest upload taken.
pub const MAX_UPLOAD_BYTES: usize = 1024 * 1024;
/// The longest side a logo is kept at: enough for a page's header and a preview card.
pub const LOGO_MAX: u32 = 512;
/// More pixels than this are refused before decoding: a small file can claim a huge image.
const MAX_DECODED_PIXELS: u64 = 40_000_000;

/// The image formats taken, by the media type the upload declares.
fn format_of(content_type: &str) -> Option<ImageFormat> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    match essence.to_ascii_lowercase().as_str() {
        "image/png" => Some(ImageFormat::Png),
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/webp" => Some(ImageFormat::WebP),
        _ => None,
    }
}

/// The logo an upload makes, or why it is refused: 415 for a type other than PNG, JPEG or
/// WebP (SVG included), 413 over 1 MB, 422 (`logo`) for an image that cannot be read.
pub fn prepare(content_type: Option<&str>, bytes: &[u8]) -> Result<StoredLogo, ApiError> {
    let format = content_type
        .and_then(format_of)
        .ok_or(ApiError::UnsupportedMediaType {
            expected: "image/png, image/jpeg or image/webp",
        })?;
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_UPLOAD_BYTES,
        });
    }
    let unreadable = || {
        ApiError::field(
            "logo",
            "is not a PNG, JPEG or WebP image that can be read (or is not the type it was sent as)",
        )
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODED_PIXELS * 4);
    reader.limits(limits);
    let (width, height) = reader.into_dimensions().map_err(|_| unreadable())?;
    if width == 0 || height == 0 || u64::from(width) * u64::from(height) > MAX_DECODED_PIXELS {
        return Err(unreadable());
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODED_PIXELS * 4);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|_| unreadable())?;
    let fitted = if decoded.width().max(decoded.height()) > LOGO_MAX {
        decoded.resize(LOGO_MAX, LOGO_MAX, image::imageops::FilterType::Lanczos3)
    } else {
        decoded
    };
    let mut png = Vec::new();
    fitted
        .to_rgba8()
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(ApiError::internal)?;
    Ok(StoredLogo {
        id: uuid::Uuid::now_v7(),
        content_type: "image/png".to_owned(),
        width: fitted.width(),
        height: fitted.height(),
        bytes: png,
        created_at: store::now(),
    })
}
