//! The checks types alone cannot make: each key's range, and how keys fit
//! together. Each returns the offending key and why.

use std::time::Duration;

use super::*;

impl Config {
    /// Checks what types alone cannot; returns the offending key and why.
    pub(super) fn validate(&self) -> Result<(), (String, String)> {
        check_http_url(&self.telegram.api_url).map_err(|m| ("telegram.api_url".to_owned(), m))?;
        if self.telegram.mode == UpdateMode::Webhook {
            let Some(url) = &self.telegram.webhook_url else {
                return Err((
                    "telegram.webhook_url".into(),
                    "webhook mode needs the public URL Telegram posts to".into(),
                ));
            };
            check_http_url(url).map_err(|m| ("telegram.webhook_url".to_owned(), m))?;
            if self.http.listen.is_none() {
                return Err(("http.listen".into(), "webhook mode needs the HTTP listener's address".into()));
            }
        }
        if self.telegram.poll_timeout > Duration::from_secs(15) {
            return Err((
                "telegram.poll_timeout".into(),
                "must be at most 15s (the HTTP client gives up after 17s)".into(),
            ));
        }
        if self.storage.database.as_os_str().is_empty() {
            return Err(("storage.database".into(), "must name a file".into()));
        }
        if self.feeds.is_empty() {
            return Err(("feeds".into(), "add at least one [[feeds]] entry with a url".into()));
        }
        for (index, feed) in self.feeds.iter().enumerate() {
            check_http_url(&feed.url).map_err(|m| (format!("feeds[{index}].url"), m))?;
            if feed.interval.is_zero() || feed.interval > Duration::from_secs(24 * 3600) {
                return Err((format!("feeds[{index}].interval"), "must be between 1ms and 24h".into()));
            }
            if let Some(name) = &feed.name
                && name.trim().is_empty()
            {
                return Err((
                    format!("feeds[{index}].name"),
                    "must not be empty (remove it to use the feed's title)".into(),
                ));
            }
            if self.feeds[..index].iter().any(|other| other.url == feed.url) {
                return Err((format!("feeds[{index}].url"), format!("{} is listed twice", feed.url)));
            }
        }
        for (index, channel) in self.channels.iter().enumerate() {
            if self.channels[..index].iter().any(|other| other.chat == channel.chat) {
                return Err((format!("channels[{index}].chat"), format!("{} is listed twice", channel.chat)));
            }
            for (category, topic) in &channel.topics {
                if crate::domain::CategoryKey::new(category).is_empty() {
                    return Err((format!("channels[{index}].topics"), format!("{category:?} is not a category name")));
                }
                if *topic <= 0 {
                    return Err((
                        format!("channels[{index}].topics"),
                        format!("the topic of {category:?} must be a positive message_thread_id"),
                    ));
                }
            }
            if channel.default_topic.is_some_and(|topic| topic <= 0) {
                return Err((
                    format!("channels[{index}].default_topic"),
                    "must be a positive message_thread_id".into(),
                ));
            }
        }
        if self.newsroom.preview_expiry < Duration::from_secs(1)
            || self.newsroom.preview_expiry > Duration::from_secs(24 * 3600)
        {
            return Err(("newsroom.preview_expiry".into(), "must be between 1s and 24h".into()));
        }
        if self.newsroom.alert_check < Duration::from_millis(100)
            || self.newsroom.alert_check > Duration::from_secs(3600)
        {
            return Err(("newsroom.alert_check".into(), "must be between 100ms and 1h".into()));
        }
        if self.newsroom.unpin_after.is_some_and(|after| after.is_zero()) {
            return Err(("newsroom.unpin_after".into(), "must be more than 0s".into()));
        }
        if self.newsroom.silent_feed_after.is_zero() {
            return Err(("newsroom.silent_feed_after".into(), "must be more than 0s".into()));
        }
        if self.readers.command_burst == 0 {
            return Err(("readers.command_burst".into(), "must be at least 1".into()));
        }
        if self.readers.command_refill.is_zero() || self.readers.command_refill > Duration::from_secs(3600) {
            return Err(("readers.command_refill".into(), "must be between 1ms and 1h".into()));
        }
        if self.readers.flood_pause > Duration::from_secs(24 * 3600) {
            return Err(("readers.flood_pause".into(), "must be at most 24h".into()));
        }
        if let Some(index) = self.admins.user_ids.iter().position(|id| *id <= 0) {
            return Err((format!("admins.user_ids[{index}]"), "Telegram user ids are positive numbers".into()));
        }
        if !(40..=2000).contains(&self.format.excerpt_chars) {
            return Err(("format.excerpt_chars".into(), "must be between 40 and 2000".into()));
        }
        if let Some(template) = &self.format.template {
            crate::domain::Template::parse(template).map_err(|err| ("format.template".to_owned(), err.to_string()))?;
        }
        if self.format.max_hashtags > 20 {
            return Err(("format.max_hashtags".into(), "must be at most 20".into()));
        }
        if self.format.max_image_download > 10 * 1024 * 1024 {
            return Err(("format.max_image_download".into(), "Telegram takes photo uploads up to 10MiB".into()));
        }
        if self.delivery.max_attempts == 0 {
            return Err(("delivery.max_attempts".into(), "must be at least 1".into()));
        }
        if self.delivery.retry_initial.is_zero() || self.delivery.retry_initial > self.delivery.retry_max {
            return Err(("delivery.retry_initial".into(), "must be above zero and at most delivery.retry_max".into()));
        }
        if self.delivery.lease < Duration::from_secs(1) {
            return Err(("delivery.lease".into(), "must be at least 1s".into()));
        }
        let rates = [
            ("delivery.overall_per_second", self.delivery.overall_per_second),
            ("delivery.private_per_minute", self.delivery.private_per_minute),
            ("delivery.group_per_minute", self.delivery.group_per_minute),
            ("delivery.channel_per_minute", self.delivery.channel_per_minute),
            ("delivery.paid_per_second", self.delivery.paid_per_second),
        ];
        if let Some((key, _)) = rates.iter().find(|(_, rate)| *rate == 0) {
            return Err(((*key).to_owned(), "must be at least 1".into()));
        }
        if !(1..=512).contains(&self.delivery.concurrency) {
            return Err(("delivery.concurrency".into(), "must be between 1 and 512".into()));
        }
        if self.delivery.shutdown_grace > Duration::from_secs(8) {
            return Err(("delivery.shutdown_grace".into(), "must be at most 8s (Warta exits within 10s)".into()));
        }
        self.fetch.validate()?;
        self.validate_bounds()?;
        self.validate_ranges()?;
        for (index, feed) in self.feeds.iter().enumerate() {
            if let Some(max) = feed.max_interval
                && max < feed.interval
            {
                return Err((
                    format!("feeds[{index}].max_interval"),
                    "must not be shorter than the feed's interval".into(),
                ));
            }
        }
        if let Some(public_url) = &self.websub.public_url {
            check_http_url(public_url).map_err(|m| ("websub.public_url".to_owned(), m))?;
            if self.http.listen.is_none() {
                return Err((
                    "websub.public_url".into(),
                    "needs [http] listen: hubs call back on Warta's HTTP listener".into(),
                ));
            }
        }
        if self.websub.lease < Duration::from_secs(60) {
            return Err(("websub.lease".into(), "must be at least 1m".into()));
        }
        Ok(())
    }

    /// Upper bounds for every duration that reaches time arithmetic: a
    /// typo such as "300000y" is refused at start instead of overflowing a
    /// date later in a running task.
    fn validate_bounds(&self) -> Result<(), (String, String)> {
        const DAY: Duration = Duration::from_secs(24 * 3600);
        let mut bounded: Vec<(String, Duration, Duration, &str)> = vec![
            ("fetch.edit_window".into(), self.fetch.edit_window, 30 * DAY, "30 days"),
            ("newsroom.silent_feed_after".into(), self.newsroom.silent_feed_after, 30 * DAY, "30 days"),
            ("fetch.max_interval".into(), self.fetch.max_interval, 7 * DAY, "7 days"),
            ("fetch.backoff_max".into(), self.fetch.backoff_max, 7 * DAY, "7 days"),
            ("fetch.min_interval".into(), self.fetch.min_interval, DAY, "24h"),
            ("fetch.timeout".into(), self.fetch.timeout, Duration::from_secs(600), "10m"),
            ("fetch.connect_timeout".into(), self.fetch.connect_timeout, Duration::from_secs(300), "5m"),
            ("delivery.retry_max".into(), self.delivery.retry_max, 7 * DAY, "7 days"),
            ("delivery.lease".into(), self.delivery.lease, Duration::from_secs(3600), "1h"),
            ("websub.lease".into(), self.websub.lease, 30 * DAY, "30 days"),
        ];
        if let Some(after) = self.newsroom.unpin_after {
            bounded.push(("newsroom.unpin_after".into(), after, 30 * DAY, "30 days"));
        }
        for (index, feed) in self.feeds.iter().enumerate() {
            if let Some(max) = feed.max_interval {
                bounded.push((format!("feeds[{index}].max_interval"), max, 7 * DAY, "7 days"));
            }
        }
        match bounded.into_iter().find(|(_, value, max, _)| value > max) {
            Some((key, value, _, max)) => {
                Err((key, format!("must be at most {max}, not {}", humantime::format_duration(value))))
            }
            None => Ok(()),
        }
    }

    /// Sane lower and upper bounds for the numbers and durations the checks
    /// above leave open: a typo ("1ns", "100000000", a 35,000-character
    /// template) is refused at start with the bound, not run with.
    fn validate_ranges(&self) -> Result<(), (String, String)> {
        const MINUTE: Duration = Duration::from_secs(60);
        const HOUR: Duration = Duration::from_secs(3600);
        let ms = Duration::from_millis;
        let durations: Vec<(String, Duration, Duration, Duration)> = vec![
            ("telegram.poll_timeout".into(), self.telegram.poll_timeout, Duration::from_secs(1), Duration::MAX),
            ("fetch.timeout".into(), self.fetch.timeout, ms(100), Duration::MAX),
            ("fetch.connect_timeout".into(), self.fetch.connect_timeout, ms(100), Duration::MAX),
            ("fetch.min_interval".into(), self.fetch.min_interval, ms(10), Duration::MAX),
            ("fetch.edit_window".into(), self.fetch.edit_window, MINUTE, Duration::MAX),
            ("delivery.retry_initial".into(), self.delivery.retry_initial, ms(10), HOUR),
            (
                "newsroom.silent_feed_after".into(),
                self.newsroom.silent_feed_after,
                Duration::from_secs(1),
                Duration::MAX,
            ),
            ("readers.command_refill".into(), self.readers.command_refill, ms(1), HOUR),
        ];
        for (key, value, min, max) in durations {
            if value < min || value > max {
                let bound = if max == Duration::MAX {
                    format!("at least {}", humantime::format_duration(min))
                } else {
                    format!("between {} and {}", humantime::format_duration(min), humantime::format_duration(max))
                };
                return Err((key, format!("must be {bound}, not {}", humantime::format_duration(value))));
            }
        }
        let mib = 1024 * 1024;
        let counts: Vec<(String, u64, u64, u64)> = vec![
            ("delivery.max_attempts".into(), self.delivery.max_attempts.into(), 1, 100),
            ("delivery.overall_per_second".into(), self.delivery.overall_per_second.into(), 1, 1000),
            ("delivery.paid_per_second".into(), self.delivery.paid_per_second.into(), 1, 1000),
            ("delivery.private_per_minute".into(), self.delivery.private_per_minute.into(), 1, 600),
            ("delivery.group_per_minute".into(), self.delivery.group_per_minute.into(), 1, 600),
            ("delivery.channel_per_minute".into(), self.delivery.channel_per_minute.into(), 1, 6000),
            ("fetch.alert_after".into(), self.fetch.alert_after.into(), 1, 1000),
            ("fetch.flood_threshold".into(), self.fetch.flood_threshold.into(), 1, 10_000),
            ("fetch.max_body".into(), as_count(self.fetch.max_body), 1024, 100 * mib),
            ("fetch.max_decompressed".into(), as_count(self.fetch.max_decompressed), 1024, 500 * mib),
            ("format.max_image_download".into(), as_count(self.format.max_image_download), 1024, 10 * mib),
            ("format.sponsored_label".into(), as_count(self.format.sponsored_label.chars().count()), 0, 64),
            (
                "format.template".into(),
                as_count(self.format.template.as_ref().map_or(0, |t| t.chars().count())),
                0,
                2000,
            ),
            ("format.hidden_categories".into(), as_count(self.format.hidden_categories.len()), 0, 200),
            ("format.sponsored_categories".into(), as_count(self.format.sponsored_categories.len()), 0, 200),
            ("format.remove_paragraphs".into(), as_count(self.format.remove_paragraphs.len()), 0, 200),
            ("readers.command_burst".into(), self.readers.command_burst.into(), 1, 10_000),
            ("admins.user_ids".into(), as_count(self.admins.user_ids.len()), 0, 100),
            ("feeds".into(), as_count(self.feeds.len()), 1, 500),
            ("channels".into(), as_count(self.channels.len()), 0, 100),
        ];
        let mut counts = counts;
        for (index, feed) in self.feeds.iter().enumerate() {
            counts.push((format!("feeds[{index}].backfill"), feed.backfill.into(), 0, 100));
            let name = feed.name.as_ref().map_or(0, |n| n.chars().count());
            counts.push((format!("feeds[{index}].name"), as_count(name), 0, 100));
        }
        for (key, value, min, max) in counts {
            if !(min..=max).contains(&value) {
                let unit = match key.as_str() {
                    "format.template" | "format.sponsored_label" => " characters long",
                    k if k.ends_with(".name") => " characters long",
                    k if k.starts_with("fetch.max_") || k == "format.max_image_download" => " bytes",
                    "feeds" | "channels" | "admins.user_ids" => " entries",
                    k if k.ends_with("categories") || k.ends_with("paragraphs") => " entries",
                    _ => "",
                };
                return Err((key, format!("must be between {min} and {max}{unit}, not {value}")));
            }
        }
        for (index, channel) in self.channels.iter().enumerate() {
            // Channels and groups have negative ids (supergroups and channels -100…); a
            // positive id is a person, and small negative ones are typos.
            if let ChatRef::Id(id) = channel.chat
                && id > -1000
            {
                return Err((
                    format!("channels[{index}].chat"),
                    format!("{id} is not a channel or group id (those are negative, like -1001234567890)"),
                ));
            }
        }
        Ok(())
    }
}

/// A size or count, for the range checks.
fn as_count(value: usize) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}
