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
/// More than this is refused before decoding: a small file can claim a huge image.
const MAX_DECODED_PIXELS: u64 = 40_000_000;
const MAX_SIDE: u32 = 20_000;

/// Where a stored logo is served, on this service.
pub fn logo_path(id: uuid::Uuid) -> String {
    format!("/logos/{id}")
}

/// The image format an upload declares, if it is one we take: 415 for any other type, SVG
/// included. Checked before the body is read, so a wrong type costs nothing to refuse.
pub fn format_of(content_type: Option<&str>) -> Result<ImageFormat, ApiError> {
    let essence = content_type
        .and_then(|t| t.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "image/png" => Ok(ImageFormat::Png),
        "image/jpeg" => Ok(ImageFormat::Jpeg),
        "image/webp" => Ok(ImageFormat::WebP),
        _ => Err(ApiError::UnsupportedMediaType {
            expected: "image/png, image/jpeg or image/webp",
        }),
    }
}

/// The logo an upload of `format` makes (its size is bounded as it is read), or 422 (`logo`)
/// for an image that cannot be read as that format.
pub fn prepare(format: ImageFormat, bytes: &[u8]) -> Result<StoredLogo, ApiError> {
    let unreadable = || {
        ApiError::field(
            "logo",
            "is not a PNG, JPEG or WebP image that can be read (or is not the type it was sent as)",
        )
    };
    // The limits are checked from the image's header, before anything is allocated.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED_PIXELS * 4);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
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
