//! The one place that builds and wires everything — store, bot, poller,
//! delivery worker, dispatcher — and owns shutdown.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use teloxide::dispatching::{Dispatcher, ShutdownToken};
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::payloads::SetWebhookSetters;
use teloxide::prelude::Requester;
use teloxide::update_listeners::{Polling, webhooks};
use teloxide::{ApiError, Bot, RequestError, dptree};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::bot::{BotState, CommandLimiter, NewsroomSettings, ReaderPace, ReplyPacing, register_command_menus, schema};
use crate::config::PreviewSetting;
use crate::config::{BotToken, Config, FetchSecret, UpdateMode, WebhookSecret};
use crate::delivery::{
    DeliveryWorker, ImageDownloader, Pacer, PacingLimits, RetryPolicy, SendGate, TelegramSender, WorkerSettings,
};
use crate::domain::{ForumTopics, LinkPreview};
use crate::feed::enrich::Enricher;
use crate::feed::ping::InstantFetch;
use crate::feed::websub::WebSub;
use crate::feed::{AddressPolicy, FeedPoller, FetchLimits, Fetcher, PollSettings, WatchedFeed};
use crate::format::{ChannelStyle, PostStyle};
use crate::health::Health;
use crate::http::{self, HttpState, Readiness};
use crate::instance::{Holding, InstanceLock};
use crate::metrics::Metrics;
use crate::store::Store;
use crate::telegram::TelegramApi;
use crate::watch::{MonitorSettings, NewsroomMonitor};

/// Builds a bot pointed at the configured Bot API. Never log the result:
/// teloxide's `Bot` shows the token in its `Debug`.
pub fn build_bot(api_url: &Url, token: &BotToken) -> anyhow::Result<Bot> {
    let client = teloxide::net::default_reqwest_settings().build().context("cannot build the HTTP client")?;
    let mut api_url = api_url.clone();
    // teloxide appends "/bot<token>/<method>"; a trailing slash would double it.
    if let Ok(mut segments) = api_url.path_segments_mut() {
        segments.pop_if_empty();
    }
    Ok(Bot::with_client(token.expose(), client).set_api_url(api_url))
}

/// Opens the store and makes its feeds and channels match the config.
pub async fn open_store(config: &Config) -> anyhow::Result<(Store, Vec<WatchedFeed>)> {
    let store = Store::open_at(&config.storage.database).await?;
    let watched = sync_config(&store, config).await?;
    Ok((store, watched))
}

/// Makes the store's feeds, channels and admins match the config.
pub async fn sync_config(store: &Store, config: &Config) -> anyhow::Result<Vec<WatchedFeed>> {
    let now = Utc::now();
    let feeds: Vec<(Url, Option<String>)> =
        config.feeds.iter().map(|feed| (feed.url.clone(), feed.name.clone())).collect();
    let rows = store.sync_feeds(&feeds, now).await.context("cannot record the configured feeds")?;
    let channels: Vec<_> = config.channels.iter().map(|channel| channel.chat.clone()).collect();
    let targets = store.sync_channels(&channels, now).await.context("cannot record the configured channels")?;
    for (target, channel) in targets.iter().zip(&config.channels) {
        let topics =
            ForumTopics::new(channel.default_topic, channel.topics.iter().map(|(name, topic)| (name.as_str(), *topic)));
        store.set_forum_topics(target.id, Some(&topics)).await.context("cannot record the forum topics")?;
        store
            .set_channel_mode(target.id, channel.mode.delivery_mode())
            .await
            .context("cannot record the channel's mode")?;
    }
    store.sync_admins(&config.admins.user_ids, now).await.context("cannot record the configured admins")?;
    let indexed =
        store.index_pending_articles(&post_style(config)).await.context("cannot index the stored articles")?;
    if indexed > 0 {
        tracing::info!(indexed, "stored articles indexed for categories and search");
    }
    let watched = config
        .feeds
        .iter()
        .filter_map(|feed| {
            let row = rows.iter().find(|row| row.url == feed.url.as_str())?;
            Some(WatchedFeed {
                id: row.id,
                url: feed.url.clone(),
                interval: feed.interval,
                max_interval: feed.max_interval.unwrap_or(config.fetch.max_interval).max(feed.interval),
                backfill: feed.backfill,
            })
        })
        .collect::<Vec<WatchedFeed>>();
    for feed in &watched {
        let latest = crate::domain::time::later(now, feed.interval);
        store.check_no_later_than(feed.id, latest).await.context("cannot record the feeds' schedule")?;
    }
    Ok(watched)
}

/// The feed fetcher with the configured limits and address policy: the
/// configured feeds' hosts and `fetch.allow_hosts` may be private, nothing else.
pub fn fetcher(config: &Config) -> anyhow::Result<Fetcher> {
    let limits = FetchLimits {
        max_body: config.fetch.max_body,
        max_decompressed: config.fetch.max_decompressed,
        connect_timeout: config.fetch.connect_timeout,
        timeout: config.fetch.timeout,
    };
    let trusted = config.feeds.iter().filter_map(|feed| feed.url.host_str().map(str::to_owned));
    let policy = AddressPolicy::new(trusted.chain(config.fetch.allow_hosts.iter().cloned()));
    Ok(Fetcher::with_policy(limits, policy)?)
}

pub fn poll_settings(config: &Config) -> PollSettings {
    PollSettings {
        min_interval: config.fetch.min_interval,
        backoff_max: config.fetch.backoff_max,
        alert_after: config.fetch.alert_after,
        backfill_pages: config.fetch.backfill_pages,
        edit_window: config.fetch.edit_window,
        flood_threshold: config.fetch.flood_threshold,
        max_retry_after: config.fetch.max_retry_after,
        unconditional_every: config.fetch.unconditional_every,
        photo_lookup: config.fetch.photo_lookup,
    }
}

/// The post style from `[format]` and each channel's options (keyed by the
/// channel's style key, see [`channel_style_key`]).
pub fn post_style(config: &Config) -> PostStyle {
    let format = &config.format;
    let channels = config
        .channels
        .iter()
        .map(|channel| {
            let utm = [
                ("utm_source", &channel.utm_source),
                ("utm_medium", &channel.utm_medium),
                ("utm_campaign", &channel.utm_campaign),
            ]
            .into_iter()
            .filter_map(|(key, value)| value.as_ref().map(|v| (key.to_owned(), v.clone())))
            .collect();
            let style = ChannelStyle {
                link_preview: match channel.link_preview {
                    PreviewSetting::Off => LinkPreview::Disabled,
                    PreviewSetting::Small => LinkPreview::Small,
                    PreviewSetting::Large => LinkPreview::Large,
                },
                silent: channel.silent,
                utm,
                sponsored_label: channel.sponsored_label.clone(),
                images: channel.images,
                ..ChannelStyle::default()
            };
            (channel_style_key(&channel.chat), style)
        })
        .collect();
    PostStyle {
        timezone: format.timezone,
        excerpt_chars: format.excerpt_chars,
        template: format.layout(),
        max_hashtags: format.max_hashtags,
        tag_hashtags: format.tag_hashtags,
        hidden_categories: format.hidden_categories.clone(),
        sponsored_categories: format.sponsored_categories.clone(),
        sponsored_label: format.sponsored_label.clone(),
        remove_blocks: format.remove_paragraphs.clone(),
        images: format.images,
        channels,
    }
}

/// The stored style key of a configured channel.
pub fn channel_style_key(chat: &crate::domain::ChatRef) -> String {
    crate::domain::StyleKey::Channel(chat.clone()).stored()
}

/// Secrets read from the environment, never from the config file.
#[derive(Debug, Clone)]
pub struct Secrets {
    pub token: BotToken,
    /// Webhook mode only.
    pub webhook_secret: Option<WebhookSecret>,
    /// `POST /fetch` exists only with it.
    pub fetch_secret: Option<FetchSecret>,
}

/// Runs the bot until `shutdown` is cancelled (or SIGINT/SIGTERM when driven
/// by [`run_until_signal`]). Returns once everything has stopped and the
/// database is checkpointed and closed; queued posts stay in the outbox for
/// the next start.
pub async fn run(config: Config, secrets: Secrets, shutdown: CancellationToken) -> anyhow::Result<()> {
    if let crate::domain::DatabaseLocation::Postgres(url) = &config.storage.database {
        return run_on_postgres(&config, &secrets, url, shutdown).await;
    }
    // A file can vanish under a running bot; a PostgreSQL database is the server's to keep.
    if let Some(database) = config.storage.database.file() {
        crate::store::check_database_present(database, config.storage.fresh_database)?;
    }
    let store = Store::open_at(&config.storage.database).await?;
    if let Some(database) = config.storage.database.file()
        && let Err(err) = crate::store::write_marker(database, Utc::now())
    {
        tracing::warn!(error = %err, marker = %crate::store::marker_path(database).display(),
            "cannot write the database marker; a lost database would not be noticed at the next start");
    }
    let lock = InstanceLock::acquire(&store).await?;
    let result =
        run_locked(&config, &secrets, &store, Holding::Lock(lock.clone()), SendGate::default(), shutdown).await;
    lock.release().await;
    store.close().await;
    result
}

/// `run` on PostgreSQL: stands by (answering /healthz and /readyz as
/// "ready-standby") until this instance takes the lease, then leads until
/// shutdown, or until the lease is lost (an error: this process stops, and
/// comes back as a standby when its supervisor restarts it).
async fn run_on_postgres(
    config: &Config,
    secrets: &Secrets,
    url: &str,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let store = Store::open_postgres(url).await?;
    let lease = crate::store::LeaderLease::connect(url, &crate::instance::hostname(), crate::instance::LEASE_TERM)
        .await
        .context("cannot use the leader lease")?;
    let standby_stop = shutdown.child_token();
    let standby_http = match config.http.listen {
        Some(address) => {
            let state = HttpState { standby: true, ..HttpState::default() };
            Some(tokio::spawn(http::bind(address, state, None, standby_stop.clone()).await?))
        }
        None => None,
    };
    let gate = SendGate::default();
    let leadership = crate::instance::Leadership::wait_for_lease(lease, gate.clone(), &shutdown).await;
    standby_stop.cancel();
    if let Some(server) = standby_http {
        let _ = server.await;
    }
    let result = match leadership.context("cannot take part in the leader election")? {
        Some(leadership) => {
            store.fence_with(leadership.epoch());
            run_locked(config, secrets, &store, Holding::Lease(leadership), gate, shutdown).await
        }
        None => Ok(()),
    };
    store.close().await;
    result
}

/// How long deleteWebhook may take at shutdown.
const WEBHOOK_REMOVAL_WAIT: Duration = Duration::from_secs(3);

/// Everything `run` does once this instance holds the database.
async fn run_locked(
    config: &Config,
    secrets: &Secrets,
    store: &Store,
    holding: Holding,
    gate: SendGate,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let watched = sync_config(store, config).await?;
    // Claims of a process that died mid-send: due again (at most `concurrency` may have gone out).
    let released = store.release_all_claims(Utc::now()).await?;
    if released > 0 {
        tracing::warn!(released, "deliveries interrupted by an earlier crash are sent again");
    }
    let bot = build_bot(&config.telegram.api_url, &secrets.token)?;
    let me = bot
        .get_me()
        .await
        .map_err(|err| anyhow::anyhow!("cannot use the Bot API at {}: {err}", config.telegram.api_url))?;
    let health = Arc::new(Health::default());
    health.telegram_ok();
    tracing::info!(bot = %me.username(), feeds = watched.len(), channels = config.channels.len(),
        mode = ?config.telegram.mode, "Warta starting");
    if let Err(err) = register_command_menus(&bot, &config.admins.user_ids).await {
        tracing::warn!(error = %err, "cannot register the command menu; commands still work");
    }
    let metrics = match Metrics::install() {
        Ok(metrics) => Some(metrics),
        Err(err) => {
            tracing::warn!(error = %err, "metrics unavailable");
            None
        }
    };

    // A leader that just took over meets the old leader's last long poll once
    // (409) — that one is fenced and stops — so it pauses only briefly; a
    // foreign poller keeps meeting it, and keeps sending closed.
    let conflict_pause = match &holding {
        Holding::Lock(_) => CONFLICT_PAUSE,
        Holding::Lease(_) => config.telegram.poll_timeout * 2 + Duration::from_secs(2),
    };
    let heartbeat = tokio::spawn(holding.keep(shutdown.clone()));
    let mut tasks = tokio::task::JoinSet::new();
    let outbox_ready = Arc::new(Notify::new());
    let feed_fetcher = fetcher(config)?;
    let mut poller = FeedPoller::new(
        store.clone(),
        feed_fetcher.clone(),
        post_style(config),
        poll_settings(config),
        outbox_ready.clone(),
    )
    .with_enricher(Enricher::new(
        feed_fetcher.clone(),
        config.format.max_image_download,
        config.fetch.photo_lookup,
    ));
    // A deleted or replaced database file: ERROR and a direct alert to the admins.
    if let Some(database) = config.storage.database.file() {
        match crate::store::file_identity(database) {
            Some(opened) => {
                tasks.spawn(crate::watch::run_database_watch(
                    TelegramApi::new(bot.clone()),
                    store.clone(),
                    database.to_owned(),
                    opened,
                    config.admins.user_ids.clone(),
                    shutdown.clone(),
                ));
            }
            None => tracing::error!(database = %database.display(), "the database file is missing already"),
        }
    }
    // The flood guard: held batches are put to the admins with Kirim semua / Lewati.
    let held_ready = Arc::new(Notify::new());
    poller = poller.with_hold_notify(held_ready.clone());
    tasks.spawn(crate::bot::run_hold_announcer(
        bot.clone(),
        store.clone(),
        config.admins.user_ids.clone(),
        held_ready,
        shutdown.clone(),
    ));
    // Publish pings and "fetch now" wake only configured feeds.
    let feed_urls: Vec<(i64, url::Url)> = watched.iter().map(|feed| (feed.id, feed.url.clone())).collect();
    let instant = InstantFetch::new(&feed_urls, poller.wakeups(), config.fetch.ping_debounce);
    let websub = config.websub.public_url.as_ref().map(|public_url| {
        WebSub::new(store.clone(), feed_fetcher.clone(), public_url.clone(), config.websub.lease, poller.wakeups())
    });
    if let Some(websub) = &websub {
        poller = poller.with_hub_listener(Arc::new(websub.clone()));
    }
    // Webhook mode: teloxide's listener and router, mounted on Warta's own listener.
    let webhook = match (config.telegram.mode, &config.telegram.webhook_url, &secrets.webhook_secret) {
        (UpdateMode::Webhook, Some(url), Some(secret)) => {
            let address = config.http.listen.context("webhook mode needs [http] listen")?;
            let options = webhooks::Options::new(address, url.clone()).secret_token(secret.expose().to_owned());
            let (listener, stop_flag, router) = webhooks::axum_no_setup(options);
            Some((listener, stop_flag, http::webhook_router(router, secret.clone()), url.clone(), secret.clone()))
        }
        (UpdateMode::Webhook, _, _) => anyhow::bail!("webhook mode needs telegram.webhook_url and WEBHOOK_SECRET"),
        (UpdateMode::Polling, _, _) => None,
    };
    // The router holds the listener's sender: it must live in the HTTP server only, or the
    // listener never ends at shutdown.
    let (webhook_listener, mut webhook_router, webhook_setup) = match webhook {
        Some((listener, stop_flag, router, url, secret)) => {
            (Some((listener, stop_flag)), Some(router), Some((url, secret)))
        }
        None => (None, None, None),
    };
    if let Some(address) = config.http.listen {
        let state = HttpState {
            websub: websub.clone(),
            metrics,
            readiness: Some(Readiness {
                store: store.clone(),
                database_file: config.storage.database.file().map(Path::to_owned),
                health: health.clone(),
                telegram: TelegramApi::new(bot.clone()),
                alert_after: config.fetch.alert_after,
            }),
            instant: Some(instant.clone()),
            fetch_secret: secrets.fetch_secret.clone(),
            standby: false,
        };
        tasks.spawn(http::bind(address, state, webhook_router.take(), shutdown.clone()).await?);
    }
    if let Some((url, secret)) = &webhook_setup {
        // Listening already: Telegram may post the moment the webhook is set.
        bot.set_webhook(url.clone())
            .secret_token(secret.expose().to_owned())
            .await
            .map_err(|err| anyhow::anyhow!("cannot set the webhook to {url}: {err}"))?;
        tracing::info!(url = %url, "webhook set; updates arrive by HTTP");
    }
    if let Some(websub) = websub {
        tasks.spawn(websub.run_renewals(shutdown.clone()));
    }
    let clock = crate::clock::from_env();
    let quiet_night = config.readers.quiet_hours.map(|hours| crate::delivery::QuietNight {
        hours,
        zone: config.format.timezone,
        clock: clock.clone(),
    });
    let worker = Arc::new(
        delivery_worker(config, store, &bot, feed_fetcher, gate.clone())
            .with_health(health.clone())
            .with_quiet_night(quiet_night),
    );
    let schedule = crate::domain::DigestSchedule::new(config.digest.times.clone(), config.format.timezone)
        .context("[digest] times is empty")?;
    let digest_settings = crate::digest::DigestSettings {
        schedule: schedule.clone(),
        max_items: usize::try_from(config.digest.max_items).unwrap_or(10),
        catch_up: config.digest.catch_up,
        pick_categories: config.digest.pick_categories.clone(),
        more_url: Url::parse(&format!("https://t.me/{}?start=latest", me.username())).ok(),
        styles: post_style(config),
    };
    tasks.spawn(
        crate::digest::DigestScheduler::new(store.clone(), digest_settings, clock.clone(), outbox_ready.clone())
            .run(shutdown.clone()),
    );
    // Pending posts from an earlier run go out at once.
    outbox_ready.notify_one();
    tasks.spawn(poller.run(watched, shutdown.clone()));
    let (supervised, ready, stop) = (worker.clone(), outbox_ready.clone(), shutdown.clone());
    tasks.spawn(async move {
        crate::supervise::supervise(
            "worker",
            "delivery worker",
            crate::supervise::RESTART_PAUSE,
            &stop.clone(),
            || supervised.clone().run(ready.clone(), stop.clone()),
        )
        .await;
    });
    let monitor_settings = MonitorSettings {
        timezone: config.format.timezone,
        silent_after: config.newsroom.silent_feed_after,
        daytime: config.newsroom.daytime,
        alert_check: config.newsroom.alert_check,
        sending_rate: worker.pacer().sending_rate(),
        paid_rate: crate::telegram::sending_rate_at(config.delivery.paid_per_second),
        paid_on: config.delivery.paid_broadcast,
    };
    tasks.spawn(NewsroomMonitor::new(store.clone(), outbox_ready.clone(), monitor_settings).run(shutdown.clone()));

    let limiter =
        CommandLimiter::new(config.readers.command_burst, config.readers.command_refill, config.readers.flood_pause);
    let state = Arc::new(
        BotState::new(
            store.clone(),
            config.format.timezone,
            &config.admins.user_ids,
            &config.format.hidden_categories,
            ReaderPace {
                limiter,
                replies: ReplyPacing::new(worker.pacer(), config.delivery.reply_freshness)
                    .with_paid_broadcast(config.delivery.paid_broadcast),
            },
            NewsroomSettings {
                preview_expiry: config.newsroom.preview_expiry,
                pin_breaking: config.newsroom.pin_breaking,
                edit_window: config.fetch.edit_window,
                post_style: post_style(config),
                outbox_ready: outbox_ready.clone(),
                paid_broadcast: config.delivery.paid_broadcast,
                paid_per_second: config.delivery.paid_per_second,
            },
            health.clone(),
        )
        .with_choices(crate::bot::DeliveryChoices {
            schedule,
            quiet_hours: config.readers.quiet_hours,
            pick_categories: config.digest.pick_categories.clone(),
            clock,
        }),
    );
    let mut dispatcher = Dispatcher::builder(bot.clone(), schema())
        .dependencies(dptree::deps![state])
        .default_handler(|update| async move {
            tracing::debug!(update_id = update.id.0, "update ignored");
        })
        .error_handler(Arc::new(|err: anyhow::Error| async move {
            tracing::error!(error = %format!("{err:#}"), "command handling failed");
        }))
        .build();
    let dispatcher_stop = dispatcher.shutdown_token();
    let webhook_mode = webhook_listener.is_some();
    let mut dispatching = match webhook_listener {
        Some((listener, _stop_flag)) => {
            let errors = LoggingErrorHandler::with_custom_text("webhook listener failed");
            tokio::spawn(async move { dispatcher.try_dispatch_with_listener(listener, errors).await })
        }
        None => {
            let listener =
                Polling::builder(bot.clone()).timeout(config.telegram.poll_timeout).delete_webhook().await.build();
            let listener_errors = Arc::new(move |err: RequestError| {
                let gate = gate.clone();
                async move { report_polling_error(&err, &gate, conflict_pause) }
            });
            tokio::spawn(async move { dispatcher.try_dispatch_with_listener(listener, listener_errors).await })
        }
    };

    let dispatch_result = tokio::select! {
        () = shutdown.cancelled() => None,
        result = &mut dispatching => Some(result),
    };
    tracing::info!("Warta stopping");
    shutdown.cancel();
    let dispatch_result = match dispatch_result {
        Some(result) => result,
        None => {
            request_dispatcher_stop(&dispatcher_stop, &dispatching).await;
            // Wait for the task itself: teloxide's "shutdown finished" notice
            // can fire before anyone listens, and would then never arrive.
            dispatching.await
        }
    };
    if webhook_mode {
        // Telegram stops posting to a Warta that is gone; the next start sets it again.
        match tokio::time::timeout(WEBHOOK_REMOVAL_WAIT, bot.delete_webhook()).await {
            Ok(Ok(_)) => tracing::info!("webhook removed"),
            Ok(Err(err)) => tracing::warn!(error = %err, "cannot remove the webhook"),
            Err(_) => tracing::warn!("the webhook was not removed in time; the next start replaces it"),
        }
    }
    while let Some(done) = tasks.join_next().await {
        if let Err(err) = done {
            tracing::error!(error = %err, "a task failed");
        }
    }
    tracing::debug!("every task stopped");
    if !heartbeat.await.unwrap_or(true) {
        anyhow::bail!("another Warta instance took over the database (or the lead, on PostgreSQL)");
    }
    match dispatch_result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(anyhow::anyhow!("the Bot API stopped answering: {err}")),
        Err(join) => Err(anyhow::anyhow!("the update dispatcher failed: {join}")),
    }
}

/// How long sending stops after Telegram reports another poller (409).
const CONFLICT_PAUSE: Duration = Duration::from_secs(120);

/// Logs a getUpdates failure. A 409 Conflict means another copy of the bot
/// polls with this token: sending stops while it lasts, or everything would
/// be posted twice.
fn report_polling_error(err: &RequestError, gate: &SendGate, pause: Duration) {
    match err {
        RequestError::Api(ApiError::TerminatedByOtherGetUpdates) => {
            if gate.close_for(pause) {
                tracing::error!(
                    "Telegram reports another instance polling with this bot token (409 Conflict): \
                     sending stops until it goes away, or every post would go out twice"
                );
            }
        }
        other => tracing::warn!(error = %other, "getUpdates failed; retrying"),
    }
}

/// The delivery worker with the configured pacing.
pub fn delivery_worker(config: &Config, store: &Store, bot: &Bot, fetcher: Fetcher, gate: SendGate) -> DeliveryWorker {
    let delivery = &config.delivery;
    let limits = PacingLimits {
        overall_per_second: if delivery.paid_broadcast {
            delivery.paid_per_second
        } else {
            delivery.overall_per_second
        },
        private_per_minute: delivery.private_per_minute,
        group_per_minute: delivery.group_per_minute,
        channel_per_minute: delivery.channel_per_minute,
    };
    let settings = WorkerSettings {
        policy: RetryPolicy {
            initial: delivery.retry_initial,
            max: delivery.retry_max,
            max_attempts: delivery.max_attempts,
        },
        lease: delivery.lease,
        concurrency: delivery.concurrency,
        shutdown_grace: delivery.shutdown_grace,
        unpin_after: config.newsroom.unpin_after,
        timezone: config.format.timezone,
    };
    let images = ImageDownloader { fetcher, max_bytes: config.format.max_image_download };
    let sender = TelegramSender::new(bot.clone()).with_paid_broadcast(delivery.paid_broadcast);
    DeliveryWorker::new(store.clone(), sender, images, Arc::new(Pacer::new(limits)), gate, settings)
}

/// Asks the dispatcher to stop; it may not have started listening yet, in
/// which case the request is repeated until it has (or has ended).
async fn request_dispatcher_stop<T>(token: &ShutdownToken, dispatching: &tokio::task::JoinHandle<T>) {
    loop {
        match token.shutdown() {
            // The request is made when `shutdown` returns Ok; its future only
            // waits for a notice we do not need.
            Ok(_notice) => return,
            Err(_idle) if dispatching.is_finished() => return,
            Err(_idle) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// Runs until SIGINT or SIGTERM.
pub async fn run_until_signal(config: Config, secrets: Secrets) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    let signals = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("signal received");
        signals.cancel();
    });
    run(config, secrets, shutdown).await
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM; only Ctrl-C stops Warta");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
