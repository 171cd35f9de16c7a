//! `warta check`: verifies everything the bot needs, without posting anything.

use std::path::Path;
use std::time::Instant;

use crate::config::{BotToken, Config};
use crate::feed::{FetchOutcome, FetchRequest, parse_feed_with_charset};
use crate::store::Store;
use crate::telegram::TelegramApi;

struct Report {
    failures: usize,
}

impl Report {
    fn ok(&mut self, what: &str) {
        println!("  ok    {what}");
    }

    fn fail(&mut self, what: &str) {
        self.failures += 1;
        println!("  FAIL  {what}");
    }
}

/// Prints the report; returns whether everything passed.
pub async fn run(path: &Path, config: &Config, token: &BotToken) -> bool {
    let mut report = Report { failures: 0 };
    println!("Warta check — {}", path.display());
    report.ok(&format!(
        "config: {} feed(s), {} channel(s), {} admin(s)",
        config.feeds.len(),
        config.channels.len(),
        config.admins.user_ids.len()
    ));

    let database = &config.storage.database;
    match Store::open_at(database).await {
        Ok(store) => {
            match store.schema_version().await {
                Ok(version) => report.ok(&format!("database {database} (schema version {version})")),
                Err(err) => report.fail(&format!("database {database}: {err}")),
            }
            if store.backend() == crate::store::Backend::Postgres {
                match store.cluster_status().await {
                    Ok(Some(cluster)) => report.ok(&match cluster.leader {
                        Some((leader, epoch)) => format!(
                            "leader {leader} (epoch {epoch}); {} standby(s) seen in the last 10 s",
                            cluster.standbys.len()
                        ),
                        None => "no Warta instance leads on the database".to_owned(),
                    }),
                    Ok(None) => {}
                    Err(err) => report.fail(&format!("leader lease: {err}")),
                }
            } else {
                match store.instance_lock_holder().await {
                    Ok(Some(holder)) => report.ok(&format!(
                        "a Warta instance holds the database (pid {} on {}, last heartbeat {})",
                        holder.pid, holder.host, holder.heartbeat_at
                    )),
                    Ok(None) => report.ok("no Warta instance is running on the database"),
                    Err(err) => report.fail(&format!("instance lock: {err}")),
                }
            }
            store.close().await;
        }
        Err(err) => report.fail(&format!("database: {err}")),
    }

    match crate::app::build_bot(&config.telegram.api_url, token) {
        Ok(bot) => match TelegramApi::new(bot.clone()).identity().await {
            Ok(me) => {
                report.ok(&format!("Bot API {}: @{} (id {})", config.telegram.api_url, me.username, me.id));
                for channel in &config.channels {
                    match TelegramApi::new(bot.clone()).chat(&channel.chat).await {
                        Ok(chat) => report.ok(&format!(
                            "channel {}: \"{}\" (id {})",
                            channel.chat,
                            chat.name.as_deref().unwrap_or("untitled"),
                            chat.id
                        )),
                        Err(err) => report.fail(&format!("channel {}: {err}", channel.chat)),
                    }
                }
            }
            Err(err) => report.fail(&format!("Bot API {}: {err}", config.telegram.api_url)),
        },
        Err(err) => report.fail(&format!("Bot API: {err:#}")),
    }

    match crate::app::fetcher(config) {
        Ok(fetcher) => {
            for feed in &config.feeds {
                let started = Instant::now();
                match fetcher.fetch(FetchRequest::fresh(&feed.url)).await {
                    FetchOutcome::Modified(fetched) => {
                        match parse_feed_with_charset(&fetched.body, Some(&fetched.final_url), fetched.charset()) {
                            Ok(parsed) => report.ok(&format!(
                                "feed {}: {} article(s), \"{}\" ({} ms){}",
                                feed.url,
                                parsed.articles.len(),
                                parsed.title.as_deref().unwrap_or("untitled"),
                                started.elapsed().as_millis(),
                                match &fetched.moved_to {
                                    Some(new_url) => format!("; moved permanently to {new_url}: update bot.toml"),
                                    None => String::new(),
                                }
                            )),
                            Err(err) => report.fail(&format!("feed {}: {err}", feed.url)),
                        }
                    }
                    other => report.fail(&format!(
                        "feed {}: {}",
                        feed.url,
                        other.failure().unwrap_or_else(|| "answered 304 to an unconditional request".to_owned())
                    )),
                }
            }
        }
        Err(err) => report.fail(&format!("feeds: {err:#}")),
    }

    if report.failures == 0 {
        println!("All checks passed.");
    } else {
        println!("{} check(s) failed.", report.failures);
    }
    report.failures == 0
}
