//! Report photos: checked by content, stored re-encoded, served only to
//! those who may read the report.
//!
//! - **Content, not name**: the bytes must decode as JPEG, PNG or WebP
//!   (the format is sniffed from the data; a text file named `.jpg` is
//!   refused), within `max_photo_bytes` and [`MAX_PIXELS`] (16.7
//!   megapixels: a 16-megapixel phone photo at 4:3 is 4,608 × 3,456), read
//!   from the header before anything is decoded.
//! - **Bounded decoding**: a compressed image can be tiny and decode to
//!   hundreds of megabytes (an all-black 8,000 × 8,000 PNG is 187 kB). Each
//!   decode first reserves its estimated memory (from the header's
//!   dimensions) from a process-wide budget of [`DECODE_BUDGET_MIB`]; a
//!   decode that cannot get its share within [`DECODE_WAIT`] answers
//!   RATE_LIMITED (retry in a few seconds). Decoding runs on the blocking
//!   pool, with the decoder's own allocation limit set to the estimate.
//! - **Metadata rule**: every photo is decoded and stored re-encoded as
//!   JPEG (quality 85, at most 2,048 pixels on the long side). Re-encoding
//!   writes no metadata, so EXIF (GPS location, camera serial, time) never
//!   leaves the reporter's phone; the report's location is what the
//!   reporter typed or chose. A 256-pixel thumbnail is stored beside it.
//! - **Storage** is behind [`PhotoStore`]; [`LocalDisk`] (the default,
//!   `GONGZHI_PHOTO_DIR`) writes files atomically. Files are written before
//!   the database transaction commits: a failed write leaves an orphan file,
//!   never a row without its file.
//! - **Serving**: `GET /photos/{id}` and `/photos/{id}/thumbnail` with the
//!   caller's bearer token; the photo's report must be visible to the caller
//!   (the reports policy), else 404. No token: 401.

use std::io::Cursor;
use std::path::PathBuf;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::error::{ApiError, ApiResult};
use crate::http::{HttpState, request_error};

/// At most this many photos per report and per resolution.
pub const MAX_PHOTOS: usize = 6;
/// Longest side of a stored photo (pixels).
const MAX_SIDE: u32 = 2048;
/// Longest side of a thumbnail (pixels).
const THUMB_SIDE: u32 = 256;
/// Largest image accepted for decoding (pixels, width × height): 4,096 ×
/// 4,096, 16.7 megapixels. Phone cameras take 12 and 16 megapixels; more
/// is not needed to see a broken lamp, and the stored photo is 2,048
/// pixels on its long side anyway.
pub const MAX_PIXELS: u64 = 4096 * 4096;
/// Longest side accepted (pixels): a panorama stays under [`MAX_PIXELS`]
/// and this.
const MAX_DECODE_SIDE: u32 = 8000;
/// Memory all photo decodes of the process may hold at once (MiB). The
/// largest photo's decode is estimated at 128 MiB (see `estimate_mib`),
/// so one worst-case photo decodes at a time, and several phone photos of
/// ordinary size side by side.
pub const DECODE_BUDGET_MIB: u32 = 160;
/// Longest a photo waits for its share of the budget before RATE_LIMITED.
pub const DECODE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The process-wide decode budget, in MiB permits.
fn budget() -> &'static tokio::sync::Semaphore {
    static BUDGET: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    BUDGET.get_or_init(|| tokio::sync::Semaphore::new(DECODE_BUDGET_MIB as usize))
}

/// Memory one decode may use (MiB): the decoded image at 4 bytes a pixel
/// (RGBA, the widest the three formats give), twice (the image and its
/// RGB copy or downscaled versions), at least 1.
fn estimate_mib(width: u32, height: u32) -> u32 {
    let bytes = u64::from(width) * u64::from(height) * 4 * 2;
    u32::try_from(bytes.div_ceil(1024 * 1024)).unwrap_or(u32::MAX).max(1)
}

/// The format and dimensions of an upload, from its first bytes and header
/// only; refused when the format is not one of the three or the image is
/// over the pixel budget.
fn inspect(field: &str, bytes: &[u8], max_bytes: usize) -> ApiResult<(ImageFormat, u32, u32)> {
    if bytes.len() > max_bytes {
        return Err(ApiError::bad_input(field, t!("reports.photo_too_large", max = max_bytes)));
    }
    let format = image::guess_format(bytes)
        .ok()
        .filter(|f| matches!(f, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP))
        .ok_or_else(|| ApiError::bad_input(field, t!("reports.photos_must_jpeg_png_webp")))?;
    let (w, h) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| ApiError::bad_input(field, t!("reports.photo_could_not_decoded")))?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS || w.max(h) > MAX_DECODE_SIDE {
        return Err(ApiError::bad_input(
            field,
            t!("reports.photo_too_many_pixels", width = w, height = h, max = MAX_PIXELS / 1_000_000),
        ));
    }
    Ok((format, w, h))
}

/// A photo ready to store: the re-encoded image and its thumbnail.
pub struct Processed {
    pub jpeg: Vec<u8>,
    pub thumbnail: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Check and re-encode one upload (see the module docs). `field` names the
/// input for errors. CPU-bound: run it on a blocking thread.
pub fn process(field: &str, bytes: &[u8], max_bytes: usize) -> ApiResult<Processed> {
    let (format, w, h) = inspect(field, bytes, max_bytes)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    // The decoder refuses to allocate past the estimate the budget granted
    // (a header that lies about the size cannot make it allocate more).
    limits.max_alloc = Some(u64::from(estimate_mib(w, h)) * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode().map_err(|_| ApiError::bad_input(field, t!("reports.photo_could_not_decoded")))?;
    let img = if img.width().max(img.height()) > MAX_SIDE { img.thumbnail(MAX_SIDE, MAX_SIDE) } else { img };
    let thumb = img.thumbnail(THUMB_SIDE, THUMB_SIDE);
    Ok(Processed { jpeg: encode(&img)?, thumbnail: encode(&thumb)?, width: img.width(), height: img.height() })
}

fn encode(img: &DynamicImage) -> ApiResult<Vec<u8>> {
    let mut out = Vec::new();
    let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    rgb.write_with_encoder(encoder).map_err(|e| ApiError::internal(format!("jpeg encoding: {e}")))?;
    Ok(out)
}

/// Where photos live. Keys are opaque (`<uuid>` and `<uuid>.thumb`).
pub trait PhotoStore: Send + Sync {
    fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()>;
    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>>;
    /// Removes a photo; one already gone is no error.
    fn delete(&self, key: &str) -> std::io::Result<()>;
}

/// Photos as files in one directory.
pub struct LocalDisk {
    pub dir: PathBuf,
}

impl LocalDisk {
    fn path(&self, key: &str) -> std::io::Result<PathBuf> {
        // Keys are generated by the server; refuse anything path-like anyway.
        if key.is_empty()
            || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            || key.contains("..")
        {
            return Err(std::io::Error::other("bad photo key"));
        }
        Ok(self.dir.join(key))
    }
}

impl PhotoStore for LocalDisk {
    fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let path = self.path(key)?;
        let tmp = path.with_extension("partial");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(tmp, path)
    }

    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.path(key)?) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn delete(&self, key: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// Deletes the photos a reporter took of their reports (rows now, in the
/// caller's transaction; files by the returned closure, after it commits).
/// Resolution photos, taken by those who did the work, stay.
pub async fn erase_reporters_photos<C: sea_orm::ConnectionTrait>(conn: &C, reporter: i32) -> ApiResult<Vec<String>> {
    use entity::{report, report_photo};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let reports = sea_orm::sea_query::Query::select()
        .column(report::Column::Id)
        .from(report::Entity)
        .and_where(report::Column::ReporterAccountId.eq(reporter))
        .to_owned();
    let mine = sea_orm::Condition::all()
        .add(report_photo::Column::ReportId.in_subquery(reports))
        .add(report_photo::Column::Kind.eq(entity::enums::PhotoKind::Report));
    let keys: Vec<String> = report_photo::Entity::find()
        .select_only()
        .column(report_photo::Column::StorageKey)
        .filter(mine.clone())
        .into_tuple()
        .all(conn)
        .await?;
    report_photo::Entity::delete_many().filter(mine).exec(conn).await?;
    Ok(keys)
}

/// Removes stored photos (and their thumbnails) by key; a failure is logged
/// (the rows are gone, so nothing serves them any more).
pub fn delete_files(config: &crate::Config, keys: &[String]) {
    let store = store(config);
    for key in keys {
        for k in [key.clone(), format!("{key}.thumb")] {
            if let Err(e) = store.delete(&k) {
                tracing::warn!(error = %e, "photo file not deleted");
            }
        }
    }
}

/// The store configured for this process.
pub fn store(config: &crate::Config) -> LocalDisk {
    LocalDisk { dir: config.photo_dir() }
}

/// Process uploads and put them in the store; returns (key, processed) per photo.
pub async fn save_all(
    config: &crate::Config,
    field: &'static str,
    uploads: Vec<Vec<u8>>,
) -> ApiResult<Vec<(String, Processed)>> {
    if uploads.len() > MAX_PHOTOS {
        return Err(ApiError::bad_input(field, t!("reports.too_many_photos", max = MAX_PHOTOS)));
    }
    let max = config.max_photo_bytes;
    let mut out = Vec::new();
    for bytes in uploads {
        // Header checks first, then the decode's share of the budget, then
        // the decode on the blocking pool; the share is held until the
        // photo is encoded and stored.
        let (_, w, h) = inspect(field, &bytes, max)?;
        let share = estimate_mib(w, h).min(DECODE_BUDGET_MIB);
        let permit = match tokio::time::timeout(DECODE_WAIT, budget().acquire_many(share)).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) => return Err(ApiError::internal("the photo budget closed")),
            Err(_) => {
                let wait = DECODE_WAIT.as_secs().max(1);
                return Err(ApiError::RateLimited(t!("reports.photos_busy"), wait));
            }
        };
        let store = store(config);
        let saved = tokio::task::spawn_blocking(move || {
            let p = process(field, &bytes, max)?;
            let key = uuid::Uuid::new_v4().simple().to_string();
            store.put(&key, &p.jpeg).map_err(|e| ApiError::internal(format!("photo store: {e}")))?;
            store
                .put(&format!("{key}.thumb"), &p.thumbnail)
                .map_err(|e| ApiError::internal(format!("photo store: {e}")))?;
            Ok::<_, ApiError>((key, p))
        })
        .await
        .map_err(|e| ApiError::internal(format!("photo task: {e}")))?;
        drop(permit);
        out.push(saved?);
    }
    Ok(out)
}

/// `GET /photos/{id}`.
pub async fn full(state: State<HttpState>, headers: HeaderMap, Path(id): Path<i32>) -> Response {
    serve(state, headers, id, false).await
}

/// `GET /photos/{id}/thumbnail`.
pub async fn thumbnail(state: State<HttpState>, headers: HeaderMap, Path(id): Path<i32>) -> Response {
    serve(state, headers, id, true).await
}

async fn serve(State(state): State<HttpState>, headers: HeaderMap, id: i32, thumb: bool) -> Response {
    let p = match crate::http::bearer_principal(&state, &headers) {
        Ok(Some(p)) => p,
        Ok(None) => return request_error(StatusCode::UNAUTHORIZED, &ApiError::unauthenticated()),
        Err(e) => return request_error(StatusCode::UNAUTHORIZED, &e),
    };
    let found: ApiResult<Option<Vec<u8>>> = async {
        let db = &state.app.db.read;
        let Some(photo) = entity::report_photo::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
        let visible = super::policy::visible_reports(&p)
            .filter(entity::report::Column::Id.eq(photo.report_id))
            .one(db)
            .await?
            .is_some();
        if !visible {
            return Ok(None);
        }
        let key = if thumb { format!("{}.thumb", photo.storage_key) } else { photo.storage_key };
        store(&state.app.config).get(&key).map_err(|e| ApiError::internal(format!("photo store: {e}")))
    }
    .await;
    match found {
        Ok(Some(bytes)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "private, max-age=3600")],
            bytes,
        )
            .into_response(),
        Ok(None) => request_error(StatusCode::NOT_FOUND, &ApiError::not_found("Photo")),
        Err(e) => request_error(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::new_rgb8(w, h);
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn content_decides_not_the_name() {
        assert!(process("photos", &png(40, 30), 1 << 20).is_ok());
        let err = process("photos", b"just text, renamed to photo.jpg", 1 << 20).err().map(|e| e.public_message());
        assert_eq!(err.as_deref(), Some("photos must be JPEG, PNG or WebP images"));
        assert!(process("photos", &png(40, 30), 10).is_err(), "size cap");
    }

    #[test]
    fn stored_photos_are_bounded_and_have_no_metadata() {
        let p = process("photos", &png(3000, 1000), 1 << 24).unwrap();
        assert_eq!((p.width, p.height), (2048, 683));
        assert_eq!(image::guess_format(&p.jpeg).ok(), Some(ImageFormat::Jpeg));
        // No APP1 (Exif) segment in what is stored.
        assert!(!p.jpeg.windows(4).any(|w| w == b"Exif"));
        // A JPEG carrying an Exif segment (as phones write, with GPS) is
        // stored without it.
        let plain = encode(&DynamicImage::new_rgb8(20, 20)).unwrap();
        let exif = b"Exif\0\0GPSLatitude=39.9042";
        let len = u16::try_from(exif.len() + 2).unwrap().to_be_bytes();
        let mut tagged = vec![0xFF, 0xD8, 0xFF, 0xE1, len[0], len[1]];
        tagged.extend_from_slice(exif);
        tagged.extend_from_slice(&plain[2..]);
        let stored = process("photos", &tagged, 1 << 20).unwrap();
        assert!(!stored.jpeg.windows(4).any(|w| w == b"Exif") && !stored.jpeg.windows(3).any(|w| w == b"GPS"));
        let t = image::load_from_memory(&p.thumbnail).unwrap();
        assert!(t.width() <= 256 && t.height() <= 256);
    }
}
