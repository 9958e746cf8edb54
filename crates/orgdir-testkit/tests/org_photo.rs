//! The org photo (`/org/photo`, issue 13) on SQLite and PostgreSQL: upload
//! as multipart, download with its type and file name, `photo_id` on
//! `GET /org`, replace, the refusals (no file, two files, not an image, over
//! the limits, a Standard user), delete, and a reset that forgets it.

use orgdir_testkit::fixtures::UserBuilder;
use orgdir_testkit::{storage_test, TestApp};
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};

/// A `width` × `height` PNG: its signature and header chunk, which is all
/// the type and the size are read from.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = vec![
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
    ];
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

/// A GIF of 2 × 2 (its header).
fn gif() -> Vec<u8> {
    let mut bytes = b"GIF89a".to_vec();
    bytes.extend_from_slice(&[2, 0, 2, 0, 0, 0, 0]);
    bytes
}

fn file(bytes: Vec<u8>, name: &str) -> Part {
    Part::bytes(bytes).file_name(name.to_owned())
}

/// Sends `form` to `POST /org/photo` with `token`: (status, body).
async fn upload(app: &TestApp, token: &str, form: Form) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/crm/v8/org/photo", app.base_url()))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `GET /org/photo`: (status, content type, content disposition, bytes).
async fn download(app: &TestApp) -> (u16, String, String, Vec<u8>) {
    let response = reqwest::Client::new()
        .get(format!("{}/crm/v8/org/photo", app.base_url()))
        .header(
            "Authorization",
            format!("Zoho-oauthtoken {}", app.org.admin_token),
        )
        .send()
        .await
        .expect("download");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().expect("ascii").to_owned())
            .unwrap_or_default()
    };
    let (kind, disposition) = (header("content-type"), header("content-disposition"));
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("bytes").to_vec();
    (status, kind, disposition, bytes)
}

async fn photo_id(app: &TestApp) -> Value {
    let org = app
        .client
        .raw(Method::GET, "/crm/v8/org", None)
        .await
        .expect("org");
    org.json()["org"][0]["photo_id"].clone()
}

async fn photo_story(app: TestApp) {
    let admin = app.org.admin_token.clone();

    // No photo yet.
    assert_eq!(download(&app).await.0, 204);
    assert_eq!(photo_id(&app).await, Value::Null);

    // Upload: SUCCESS with the new photo's id, which GET /org names.
    let first = png(40, 30);
    let (status, body) = upload(
        &app,
        &admin,
        Form::new().part("file", file(first.clone(), "our logo.png")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["code"], "SUCCESS");
    assert_eq!(body["message"], "photo uploaded successfully");
    let id = body["details"]["id"].clone();
    assert!(id.is_string(), "{body}");
    assert_eq!(photo_id(&app).await, id);
    let (status, kind, disposition, bytes) = download(&app).await;
    assert_eq!(
        (status, kind.as_str(), disposition.as_str()),
        (200, "image/png", "attachment; filename=\"our_logo.png\"")
    );
    assert_eq!(bytes, first);

    // Refusals change nothing.
    let refusals = [
        (Form::new(), 400, "The request does not contain any file"),
        (
            Form::new().part("photo", file(png(2, 2), "a.png")),
            400,
            "The request does not contain any file",
        ),
        (
            Form::new()
                .part("file", file(png(2, 2), "a.png"))
                .part("file", file(png(2, 2), "b.png")),
            400,
            "The request contains more than one file",
        ),
        (
            Form::new().part("file", file(b"%PDF-1.7 not an image".to_vec(), "a.png")),
            400,
            "Invalid file type",
        ),
        (
            Form::new().part("file", file(png(4000, 3000), "wide.png")),
            415,
            "Please check if the file size is in the correct range",
        ),
        (
            Form::new().part("file", file(vec![0x89; 1024 * 1024 + 1], "big.png")),
            415,
            "Please check if the file size is in the correct range",
        ),
    ];
    for (form, want_status, want_message) in refusals {
        let (status, body) = upload(&app, &admin, form).await;
        assert_eq!(
            (status, body["message"].as_str()),
            (want_status, Some(want_message)),
            "{body}"
        );
        let code = if want_status == 415 {
            "FILE_SIZE_MORE_THAN_ALLOWED_SIZE"
        } else {
            "INVALID_DATA"
        };
        assert_eq!(body["code"], code, "{body}");
    }
    let (_, _, _, bytes) = download(&app).await;
    assert_eq!(bytes, first, "a refused upload changed the photo");

    // A Standard user may read it but not replace it.
    let standard = UserBuilder::new("standard@example.com").create(&app).await;
    let standard_token = app.token_for(&standard, "ZohoCRM.org.ALL").await;
    let (status, body) = upload(
        &app,
        &standard_token,
        Form::new().part("file", file(gif(), "x.gif")),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("NO_PERMISSION"))
    );

    // Replace: a new id, the new type, a default name when none is safe.
    let (status, body) = upload(&app, &admin, Form::new().part("file", file(gif(), "..."))).await;
    assert_eq!(status, 200, "{body}");
    let second = body["details"]["id"].clone();
    assert_ne!(second, id);
    let (status, kind, disposition, bytes) = download(&app).await;
    assert_eq!(
        (status, kind.as_str(), disposition.as_str()),
        (200, "image/gif", "attachment; filename=\"org_photo.gif\"")
    );
    assert_eq!(bytes, gif());

    // Delete: the id of the photo removed, then nothing to remove.
    let deleted = app
        .client
        .raw(Method::DELETE, "/crm/v8/org/photo", None)
        .await
        .expect("delete");
    assert_eq!(deleted.status.as_u16(), 200);
    assert_eq!(
        deleted.json(),
        json!({"code":"SUCCESS","details":{"id":second},"message":"Photo deleted","status":"success"})
    );
    let again = app
        .client
        .raw(Method::DELETE, "/crm/v8/org/photo", None)
        .await
        .expect("delete");
    assert_eq!(again.json()["details"], json!({}));
    assert_eq!(download(&app).await.0, 204);
    assert_eq!(photo_id(&app).await, Value::Null);

    // A reset returns the org to its document, which holds no photo.
    let (status, _) = upload(
        &app,
        &admin,
        Form::new().part("file", file(png(1, 1), "a.png")),
    )
    .await;
    assert_eq!(status, 200);
    app.reset().await;
    assert_eq!(download(&app).await.0, 204);
}
storage_test!(org_photo, photo_story);
