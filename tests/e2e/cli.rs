//! `warta check`, `warta preview` and `--help`.

use crate::support::app::FEED_PATH;
use crate::support::app::run_to_end;
use crate::support::{CHANNEL, TestEnv};

#[tokio::test]
async fn preview_prints_posts_offline_without_token_or_config() {
    let env = TestEnv::start().await;
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/kaltimtoday-sample.xml");
    let output = run_to_end(env.warta().env_remove("BOT_TOKEN").args([
        "preview",
        "--config",
        "/nonexistent.toml",
        "--limit",
        "2",
        "--feed",
        sample,
    ]))
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("2 post(s), oldest first"), "{stdout}");
    assert_eq!(stdout.matches("━━━ Post").count(), 2, "{stdout}");
    // The newest two, oldest first: the chili prices, then the flood.
    let chili = stdout.find("Harga Cabai Rawit").expect("second-newest article");
    let flood = stdout.find("Banjir Rendam 3 Kecamatan").expect("newest article");
    assert!(chili < flood, "{stdout}");
    assert!(stdout.contains(
        "<b><a href=\"https://kaltimtoday.co/banjir-rendam-3-kecamatan-di-samarinda-ratusan-warga-mengungsi/\">"
    ));
    assert!(stdout.contains("[ Baca selengkapnya ] → https://kaltimtoday.co/"), "{stdout}");
    assert!(stdout.contains("27 Nov 2026, 09.20 WITA"), "{stdout}");
}

#[tokio::test]
async fn preview_reads_the_configured_feeds() {
    let env = TestEnv::start().await;
    let output =
        run_to_end(env.warta().env_remove("BOT_TOKEN").args(["preview", "--config"]).arg(&env.config_path)).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(&format!("Preview of {}", env.feeds.url(FEED_PATH))), "{stdout}");
    assert_eq!(stdout.matches("━━━ Post").count(), 3);
    assert!(env.telegram.calls().is_empty(), "preview must not talk to Telegram");
}

#[tokio::test]
async fn check_reports_every_part_and_fails_on_a_broken_feed() {
    let env = TestEnv::start().await;
    let output = run_to_end(env.warta().args(["check", "--config"]).arg(&env.config_path)).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("ok    database"), "{stdout}");
    assert!(stdout.contains("ok    Bot API") && stdout.contains("@warta_test_bot"), "{stdout}");
    assert!(stdout.contains(&format!("ok    channel {CHANNEL}")), "{stdout}");
    assert!(stdout.contains("ok    feed") && stdout.contains("3 article(s)"), "{stdout}");
    assert!(stdout.contains("All checks passed."));
    assert!(env.telegram.calls_to("sendMessage").is_empty(), "check must not post");

    env.feeds.fail_with(FEED_PATH, 503);
    let output = run_to_end(env.warta().args(["check", "--config"]).arg(&env.config_path)).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  feed") && stdout.contains("HTTP 503"), "{stdout}");
    assert!(stdout.contains("1 check(s) failed."), "{stdout}");
}

#[tokio::test]
async fn help_explains_the_commands() {
    let env = TestEnv::start().await;
    let output = run_to_end(env.warta().arg("--help")).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    for part in ["run", "check", "preview", "--config", "BOT_TOKEN", "WARTA_CONFIG"] {
        assert!(stdout.contains(part), "--help should mention {part}:\n{stdout}");
    }
}
