//! The org photo (`/org/photo`, issue 13): one image per org, kept in the
//! database. An upload is checked here, from its bytes alone: a PNG, JPEG,
//! GIF, BMP or WebP image (read by `imagesize`) of at most 1 MiB and 10
//! megapixels, the limits of Zoho's Upload Organization Photo page.

use super::Directory;
use crate::org::OrgPhoto;
use crate::sessions::Caller;
use crate::{Details, Error, Result, ZohoId};
use imagesize::ImageType;

/// The largest photo, in bytes.
pub const MAX_PHOTO_BYTES: usize = 1024 * 1024;
/// The most pixels a photo may have.
pub const MAX_PHOTO_PIXELS: u64 = 10_000_000;
/// The Administrator permission an upload or delete needs.
pub const MANAGE_COMPANY_DETAILS: &str = "Crm_Implied_Manage_Company_Details";
/// The longest file name kept.
const MAX_FILE_NAME: usize = 100;

/// An uploaded file: the name the client gave it, and its bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// The media type and file extension of an accepted image; `INVALID_DATA`
/// for anything else, 415 `FILE_SIZE_MORE_THAN_ALLOWED_SIZE` over the limits.
pub fn check_image(bytes: &[u8]) -> Result<(&'static str, &'static str)> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(too_large());
    }
    let invalid = || Error::InvalidData {
        message: "Invalid file type".to_owned(),
        details: Details::Param("file".to_owned()),
    };
    let kind = match imagesize::image_type(bytes).map_err(|_| invalid())? {
        ImageType::Png => ("image/png", "png"),
        ImageType::Jpeg => ("image/jpeg", "jpg"),
        ImageType::Gif => ("image/gif", "gif"),
        ImageType::Bmp => ("image/bmp", "bmp"),
        ImageType::Webp => ("image/webp", "webp"),
        _ => return Err(invalid()),
    };
    let size = imagesize::blob_size(bytes).map_err(|_| invalid())?;
    let pixels = (size.width as u64).saturating_mul(size.height as u64);
    if pixels == 0 {
        return Err(invalid());
    }
    if pixels > MAX_PHOTO_PIXELS {
        return Err(too_large());
    }
    Ok(kind)
}

/// 415 `FILE_SIZE_MORE_THAN_ALLOWED_SIZE`.
pub fn too_large() -> Error {
    Error::FileTooLarge {
        maximum_size: MAX_PHOTO_BYTES,
    }
}

/// The file name kept for an upload: the client's base name with anything
/// but letters, digits, `.`, `-` and `_` replaced by `_` (it goes back out in
/// a `Content-Disposition` header), or `org_photo.<ext>`.
fn file_name(given: Option<&str>, extension: &str) -> String {
    let base = given
        .map(|name| name.rsplit(['/', '\\']).next().unwrap_or_default())
        .unwrap_or_default();
    let safe: String = base
        .chars()
        .take(MAX_FILE_NAME)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.trim_matches(['.', '_']).is_empty() {
        format!("org_photo.{extension}")
    } else {
        safe
    }
}

/// `GET /org/photo`: the photo, if the org has one.
pub async fn get(dir: &Directory, caller: &mut Caller) -> Result<Option<OrgPhoto>> {
    let read = dir.store().org_photo(caller.org_id()).await?;
    dir.confirm(caller, read).await
}

/// The photo's id for `GET /org` (`photo_id`), read after the caller's
/// session was confirmed by the org read.
pub async fn id(dir: &Directory, caller: &Caller) -> Result<Option<ZohoId>> {
    dir.store().org_photo_id(caller.org_id()).await
}

/// `POST /org/photo`: checks the image and sets it as the org photo, with a
/// new id; replaces any earlier photo.
pub async fn upload(dir: &Directory, caller: &Caller, upload: Upload) -> Result<ZohoId> {
    caller.require_admin(MANAGE_COMPANY_DETAILS)?;
    let (content_type, extension) = check_image(&upload.bytes)?;
    let file_name = file_name(upload.file_name.as_deref(), extension);
    let bytes = upload.bytes;
    dir.write_as(caller, move |tx, _| {
        Box::pin(async move {
            let photo = OrgPhoto {
                id: tx.next_id(),
                file_name,
                content_type: content_type.to_owned(),
                bytes,
                created_at: crate::time::now(),
            };
            tx.set_org_photo(&photo).await?;
            Ok(photo.id)
        })
    })
    .await
}

/// `DELETE /org/photo`: removes the photo; the id of the one removed, if any.
pub async fn delete(dir: &Directory, caller: &Caller) -> Result<Option<ZohoId>> {
    caller.require_admin(MANAGE_COMPANY_DETAILS)?;
    dir.write_as(caller, move |tx, _| {
        Box::pin(async move { tx.delete_org_photo().await })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid 1×1 PNG.
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0,
        0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89,
    ];

    #[test]
    fn images_are_told_by_their_bytes() {
        assert_eq!(check_image(PNG).expect("a PNG"), ("image/png", "png"));
        assert!(matches!(
            check_image(b"not an image at all"),
            Err(Error::InvalidData { .. })
        ));
        assert!(matches!(check_image(b""), Err(Error::InvalidData { .. })));
    }

    #[test]
    fn limits_are_415() {
        let mut big = PNG.to_vec();
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert!(matches!(check_image(&big), Err(Error::FileTooLarge { .. })));
        // 4000 × 3000 = 12 megapixels, in a few bytes of header.
        let mut wide = PNG.to_vec();
        wide[16..20].copy_from_slice(&4000u32.to_be_bytes());
        wide[20..24].copy_from_slice(&3000u32.to_be_bytes());
        assert!(matches!(
            check_image(&wide),
            Err(Error::FileTooLarge { .. })
        ));
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(file_name(Some("logo.png"), "png"), "logo.png");
        assert_eq!(file_name(Some("../../etc/pass wd"), "png"), "pass_wd");
        assert_eq!(file_name(Some("C:\\pics\\a\"b.gif"), "gif"), "a_b.gif");
        assert_eq!(file_name(Some("..."), "png"), "org_photo.png");
        assert_eq!(file_name(None, "jpg"), "org_photo.jpg");
    }
}
