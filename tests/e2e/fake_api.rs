//! The fake Bot API must refuse what Telegram refuses; otherwise the other
//! tests prove nothing. These talk to it over HTTP directly.

use serde_json::{Value, json};

use crate::support::{CHANNEL, CHANNEL_ID, Failure, FakeTelegram, TOKEN};

async fn call(fake: &FakeTelegram, method: &str, params: Value) -> (u16, Value) {
    let url = format!("{}/bot{TOKEN}/{method}", fake.api_url());
    let response = reqwest::Client::new().post(url).json(&params).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

async fn send_html(fake: &FakeTelegram, text: &str) -> (u16, Value) {
    call(fake, "SendMessage", json!({ "chat_id": CHANNEL, "text": text, "parse_mode": "HTML" })).await
}

async fn fake() -> FakeTelegram {
    let fake = FakeTelegram::start(TOKEN).await;
    fake.add_channel(CHANNEL, CHANNEL_ID);
    fake
}

#[tokio::test]
async fn refuses_html_telegram_refuses() {
    let fake = fake().await;
    let cases = [
        ("<p>Paragraf</p>", "Unsupported start tag \"p\" at byte offset 0"),
        ("a<br>b", "Unsupported start tag \"br\" at byte offset 1"),
        ("<img src=\"x.jpg\">", "Unsupported start tag \"img\""),
        ("harga < 5", "Unsupported start tag"),
        ("<b>tebal", "Can't find end tag corresponding to start tag \"b\""),
        ("<b><i>x</b></i>", "Unmatched end tag at byte offset 7, expected \"</i>\", found \"</b>\""),
        ("x</b>", "Unexpected end tag"),
        ("<a href=\"https://a.id\"><a href=\"https://b.id\">x</a></a>", "Links can't be nested"),
        ("<a href=\"javascript:alert(1)\">x</a>", "Unsupported URL"),
        ("<code><b>x</b></code>", "can't be nested inside \"code\""),
        ("<span>x</span>", "must have class \"tg-spoiler\""),
        ("<b", "Unclosed start tag"),
    ];
    for (html, expected) in cases {
        let (status, body) = send_html(&fake, html).await;
        let description = body["description"].as_str().unwrap_or_default();
        assert_eq!(status, 400, "{html:?} should be refused");
        assert!(description.starts_with("Bad Request: can't parse entities: "), "{html:?}: {description}");
        assert!(description.contains(expected), "{html:?}: {description}");
    }
    assert!(fake.messages_in(CHANNEL_ID).is_empty());
}

#[tokio::test]
async fn accepts_the_supported_subset_and_reports_entities() {
    let fake = fake().await;
    let html = "<b>Tebal &amp; <i>miring</i></b> <a href=\"https://kaltimtoday.co/?a=1&amp;b=2\">tautan</a> &#8230; &nbsp; 😀 <code>x</code>";
    let (status, body) = send_html(&fake, html).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["text"], "Tebal & miring tautan … &nbsp; 😀 x");
    let entities = body["result"]["entities"].as_array().expect("entities");
    let kinds: Vec<_> = entities.iter().map(|e| e["type"].as_str().unwrap_or_default()).collect();
    assert_eq!(kinds, ["bold", "italic", "text_link", "code"]);
    assert_eq!(entities[2]["url"], "https://kaltimtoday.co/?a=1&b=2");
    // Offsets are UTF-16: the emoji counts two.
    assert_eq!(entities[3]["offset"], 34);
    assert_eq!(body["result"]["chat"]["id"], CHANNEL_ID);
}

#[tokio::test]
async fn refuses_over_long_and_empty_texts_unknown_chats_and_bad_buttons() {
    let fake = fake().await;
    let (status, body) = send_html(&fake, &"a".repeat(4097)).await;
    assert_eq!((status, body["description"].as_str()), (400, Some("Bad Request: message is too long")));
    // The limit counts text after entity parsing: markup does not count.
    let (status, _) = send_html(&fake, &format!("<b>{}</b>", "a".repeat(4096))).await;
    assert_eq!(status, 200);
    let (status, body) = send_html(&fake, "<b> </b>").await;
    assert_eq!((status, body["description"].as_str()), (400, Some("Bad Request: message text is empty")));
    let (status, body) = call(&fake, "sendMessage", json!({ "chat_id": "@nobody_here", "text": "x" })).await;
    assert_eq!((status, body["description"].as_str()), (400, Some("Bad Request: chat not found")));
    let (status, body) = call(
        &fake,
        "sendMessage",
        json!({ "chat_id": CHANNEL_ID, "text": "x", "reply_markup": { "inline_keyboard": [[{ "text": "Baca", "url": "javascript:x" }]] } }),
    )
    .await;
    assert_eq!((status, body["description"].as_str()), (400, Some("Bad Request: BUTTON_URL_INVALID")));
    let (status, _) =
        call(&fake, "sendMessage", json!({ "chat_id": CHANNEL_ID, "text": "x", "parse_mode": "Markdown" })).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn refuses_a_wrong_token_and_unknown_methods() {
    let fake = fake().await;
    let url = format!("{}/bot1:other/getMe", fake.api_url());
    let response = reqwest::Client::new().post(url).send().await.expect("request");
    assert_eq!(response.status().as_u16(), 401);
    let (status, _) = call(&fake, "getMe", json!({})).await;
    assert_eq!(status, 200);
    let (status, _) = call(&fake, "frobnicate", json!({})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn scripted_failures_have_telegrams_shape() {
    let fake = fake().await;
    fake.fail_next("sendMessage", Some(json!(CHANNEL)), Failure::TooManyRequests { retry_after: 7 }, 1);
    fake.fail_next("sendMessage", None, Failure::Migrated { to: -100777 }, 1);
    fake.fail_next("sendMessage", None, Failure::Blocked, 1);
    let (status, body) = send_html(&fake, "x").await;
    assert_eq!(status, 429);
    assert_eq!(body["parameters"]["retry_after"], 7);
    assert_eq!(body["description"], "Too Many Requests: retry after 7");
    let (status, body) = send_html(&fake, "x").await;
    assert_eq!((status, body["parameters"]["migrate_to_chat_id"].as_i64()), (400, Some(-100777)));
    let (status, body) = send_html(&fake, "x").await;
    assert_eq!((status, body["description"].as_str()), (403, Some("Forbidden: bot was blocked by the user")));
    let (status, _) = send_html(&fake, "x").await;
    assert_eq!(status, 200, "scripts run out");
}

#[tokio::test]
async fn get_updates_confirms_by_offset() {
    let fake = fake().await;
    let user = crate::support::FakeUser::new(5, "Budi", Some("id"));
    let first = fake.user_sends(&user, 5, "/start");
    fake.user_sends(&user, 5, "/latest");
    let (_, body) = call(&fake, "getUpdates", json!({ "timeout": 0 })).await;
    assert_eq!(body["result"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["result"][0]["message"]["entities"][0]["type"], "bot_command");
    let (_, body) = call(&fake, "getUpdates", json!({ "offset": first + 1, "timeout": 0 })).await;
    assert_eq!(body["result"].as_array().map(Vec::len), Some(1));
    let (_, body) = call(&fake, "getUpdates", json!({ "offset": first + 2, "timeout": 1 })).await;
    assert_eq!(body["result"].as_array().map(Vec::len), Some(0));
    assert_eq!(fake.pending_updates(), 0);
}

#[tokio::test]
async fn multipart_photos_are_checked_too() {
    let fake = fake().await;
    let url = format!("{}/bot{TOKEN}/SendPhoto", fake.api_url());
    let form = || {
        reqwest::multipart::Form::new()
            .text("chat_id", CHANNEL_ID.to_string())
            .text("parse_mode", "HTML")
            .part("photo", reqwest::multipart::Part::bytes(vec![0xFF, 0xD8, 0xFF]).file_name("foto.jpg"))
    };
    let response = reqwest::Client::new()
        .post(&url)
        .multipart(form().text("caption", "x".repeat(1025)))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["description"], "Bad Request: message caption is too long");
    let response = reqwest::Client::new()
        .post(&url)
        .multipart(
            form()
                .text("caption", "<b>Banjir</b>")
                .text("reply_markup", r#"{"inline_keyboard":[[{"text":"Baca","url":"https://kaltimtoday.co/"}]]}"#),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    let message = fake.messages_in(CHANNEL_ID).remove(0);
    assert_eq!((message.kind, message.text.as_str()), ("photo", "Banjir"));
    assert_eq!(message.button_urls(), ["https://kaltimtoday.co/"]);
}
