//! The newsroom's texts: what admins read (commands, previews, progress,
//! status, alerts) and the labels their actions put on posts.

use super::{CommandId, CommandText, Lang, command_name};

/// Texts of the admins' side, one catalogue per language. Placeholders are
/// filled with [`super::fill`].
#[derive(Debug)]
pub struct NewsroomTexts {
    /// The admin menu (setMyCommands), in the order of [`super::Texts::admin_commands`] then these.
    pub commands: &'static [CommandText],
    pub admin_only: &'static str,
    pub admin_in_private: &'static str,
    /// On top of breaking news.
    pub breaking_label: &'static str,
    /// `{minutes}`.
    pub breaking_prompt: &'static str,
    /// `{command}`.
    pub breaking_usage: &'static str,
    /// `{length}`, `{max}`.
    pub breaking_too_long: &'static str,
    pub breaking_article_unknown: &'static str,
    /// `{channels}`, `{subscribers}`, `{minutes}`.
    pub breaking_preview_note: &'static str,
    pub button_send: &'static str,
    pub button_cancel: &'static str,
    pub breaking_confirmed: &'static str,
    pub breaking_cancelled: &'static str,
    /// `{command}`.
    pub breaking_expired: &'static str,
    pub breaking_already_sent: &'static str,
    pub breaking_already_cancelled: &'static str,
    pub breaking_not_found: &'static str,
    /// The flood guard's question to the admins: `{feed}`, `{url}`, `{count}`.
    pub hold_notice: &'static str,
    pub button_send_all: &'static str,
    pub button_skip: &'static str,
    /// `{posts}`.
    pub hold_sent: &'static str,
    /// `{count}`.
    pub hold_skipped: &'static str,
    pub hold_already_sent: &'static str,
    pub hold_already_skipped: &'static str,
    pub hold_not_found: &'static str,
    /// A posted story gone from the site: `{title}`, `{link}`, `{reason}`, `{id}`.
    pub gone_notice: &'static str,
    pub button_retract: &'static str,
    /// A Tarik press on a story retracted already: `{id}`.
    pub gone_already_retracted: &'static str,
    /// `{path}`.
    pub database_deleted: &'static str,
    /// `{path}`.
    pub database_replaced: &'static str,
    /// `{copy}`.
    pub database_rescued: &'static str,
    pub database_not_rescued: &'static str,
    pub breaking_photo_only: &'static str,
    /// `{id}`, `{sent}`, `{total}`.
    pub breaking_progress: &'static str,
    /// `{id}`, `{sent}`, `{blocked}`, `{failed}`, `{total}`.
    pub breaking_done: &'static str,
    pub breaking_nobody: &'static str,
    /// `{command}`.
    pub correct_usage: &'static str,
    pub retract_usage: &'static str,
    /// `{query}`.
    pub story_not_found: &'static str,
    /// `{id}`, `{edits}`.
    pub corrected: &'static str,
    /// `{count}`, `{hours}`.
    pub corrected_too_old: &'static str,
    /// Under a corrected post.
    pub correction_marker: &'static str,
    /// `{id}`, `{deleting}`, `{cancelled}`.
    pub retracted: &'static str,
    /// Replaces a retracted message Telegram will not delete.
    pub retraction_notice: &'static str,
    pub paused: &'static str,
    pub already_paused: &'static str,
    /// `{pending}`.
    pub resumed: &'static str,
    pub not_paused: &'static str,
    pub status_title: &'static str,
    pub status_paused: &'static str,
    pub status_feeds: &'static str,
    /// `{name}`, `{fetched}`, `{new}`, `{next}`.
    pub status_feed: &'static str,
    /// `{count}`, `{error}`.
    pub status_feed_failing: &'static str,
    pub status_never: &'static str,
    /// `{pending}`, `{dead}`, `{waits}`.
    pub status_outbox: &'static str,
    /// How long a new article takes to reach every subscriber: `{time}`,
    /// `{subscribers}`, `{rate}` (messages/s), `{paid_time}` (with paid broadcast).
    pub status_capacity: &'static str,
    /// The same with paid broadcast on: `{time}`, `{subscribers}`, `{rate}`.
    pub status_capacity_paid: &'static str,
    /// `{active}`, `{blocked}`, `{new}`.
    pub status_subscribers: &'static str,
    pub status_recent: &'static str,
    /// `{id}`, `{title}`, `{sent}`, `{pending}`, `{failed}`.
    pub status_recent_line: &'static str,
    pub status_no_posts: &'static str,
    /// `{count}`.
    pub status_alerts: &'static str,
    /// Several instances on PostgreSQL: `{leader}` (with `{epoch}`) and `{standbys}`.
    pub status_cluster: &'static str,
    /// In place of `{leader}` or `{standbys}` when there is none.
    pub status_cluster_none: &'static str,
    pub stats_title: &'static str,
    pub stats_posts: &'static str,
    pub stats_subscribers: &'static str,
    /// `{posts}`, `{subscribers}`, `{zone}`.
    pub stats_caption: &'static str,
    pub audit_title: &'static str,
    pub audit_empty: &'static str,
    /// `{url}`, `{since}`, `{hours}`.
    pub feed_silent_title: &'static str,
    pub feed_silent_body: &'static str,
    /// `{url}`.
    pub feed_silent_over_title: &'static str,
    pub feed_silent_over_body: &'static str,
    /// `{count}`.
    pub dead_title: &'static str,
    pub dead_body: &'static str,
    pub dead_over_title: &'static str,
    /// The routine outbox grew for an hour: `{pending}` waiting, `{capacity}` the /status line.
    pub backlog_title: &'static str,
    pub backlog_body: &'static str,
    pub backlog_over_title: &'static str,
    pub backlog_over_body: &'static str,
    pub dead_over_body: &'static str,
    /// `{channel}`.
    pub channel_back_title: &'static str,
    pub channel_back_body: &'static str,
}

impl Lang {
    pub fn newsroom(self) -> &'static NewsroomTexts {
        match self {
            Self::Id => &NEWSROOM_ID,
            Self::En => &NEWSROOM_EN,
        }
    }
}

impl NewsroomTexts {
    /// What admin command `id` is called in this language.
    pub fn command(&self, id: CommandId) -> &'static str {
        command_name(&[self.commands], id)
    }
}

pub static NEWSROOM_ID: NewsroomTexts = NewsroomTexts {
    commands: &[
        CommandText {
            id: CommandId::Breaking,
            command: "breaking",
            description: "Admin: kirim berita terkini (pratinjau dulu)",
        },
        CommandText { id: CommandId::Correct, command: "koreksi", description: "Admin: koreksi kiriman di semua chat" },
        CommandText {
            id: CommandId::Retract,
            command: "tarik",
            description: "Admin: tarik (hapus) kiriman di semua chat",
        },
        CommandText { id: CommandId::Pick, command: "pilih", description: "Admin: jadikan berita Berita Pilihan" },
        CommandText { id: CommandId::Unpick, command: "batalpilih", description: "Admin: batalkan Berita Pilihan" },
        CommandText { id: CommandId::Pause, command: "jeda", description: "Admin: jeda posting rutin" },
        CommandText { id: CommandId::Resume, command: "lanjut", description: "Admin: lanjutkan posting rutin" },
        CommandText {
            id: CommandId::Status,
            command: "status",
            description: "Admin: feed, antrean, pelanggan, kiriman terakhir",
        },
        CommandText { id: CommandId::Stats, command: "stats", description: "Admin: grafik 30 hari" },
        CommandText { id: CommandId::Audit, command: "audit", description: "Admin: tindakan admin terakhir" },
    ],
    admin_only: "Maaf, perintah ini khusus admin redaksi.",
    admin_in_private: "Perintah admin hanya bisa dipakai di chat pribadi dengan bot.",
    breaking_label: "🔴 BERITA TERKINI",
    breaking_prompt: "Kirim teks berita terkini, atau foto dengan keterangan. Permintaan ini berlaku {minutes} menit.",
    breaking_usage: "Gunakan /{command} <teks>, /{command} <tautan artikel>, atau /{command} saja lalu kirim teks atau foto.",
    breaking_too_long: "Teks terlalu panjang: {length} karakter, maksimal {max}. Persingkat lalu coba lagi.",
    breaking_article_unknown: "Artikel dengan tautan itu belum ada di arsip Warta. Kirim teksnya, atau tunggu artikelnya masuk dari feed.",
    breaking_preview_note: "👆 Pratinjau berita terkini untuk {channels} kanal dan {subscribers} pelanggan. Tidak ada yang dikirim sebelum Anda menekan Kirim. Berlaku {minutes} menit.",
    button_send: "✅ Kirim",
    button_cancel: "✖️ Batal",
    breaking_confirmed: "Berita terkini dikirim.",
    breaking_cancelled: "Dibatalkan. Tidak ada yang dikirim.",
    breaking_expired: "Pratinjau sudah kedaluwarsa; tidak ada yang dikirim. Mulai lagi dengan /{command}.",
    breaking_already_sent: "Berita terkini ini sudah dikirim.",
    breaking_already_cancelled: "Pratinjau ini sudah dibatalkan.",
    breaking_not_found: "Pratinjau tidak ditemukan.",
    hold_notice: "⚠️ Banjir item ditahan\n\nFeed {feed} ({url}) membawa {count} item baru sekaligus. Tidak ada yang dikirim.\n\nKirim semua: semua item dikirim, berurutan. Lewati: item disimpan sebagai sudah dikenal, tanpa dikirim.",
    button_send_all: "✅ Kirim semua",
    button_skip: "⏭️ Lewati",
    hold_sent: "{posts} item masuk antrean kirim.",
    hold_skipped: "{count} item dilewati: disimpan, tidak dikirim.",
    hold_already_sent: "Sudah diputuskan: item ini sudah dikirim.",
    hold_already_skipped: "Sudah diputuskan: item ini sudah dilewati.",
    hold_not_found: "Kiriman tertahan ini tidak ditemukan.",
    gone_notice: "🗑 Berita hilang dari situs\n\n{title}\n{link}\n\nWordPress: {reason}. Pos #{id} masih ada di Telegram. Jika berita ini memang ditarik, tekan Tarik; jika hanya diperbaiki, abaikan pesan ini (menerbitkannya lagi tidak mengirim apa pun).",
    button_retract: "🗑 Tarik",
    gone_already_retracted: "#{id} sudah ditarik.",
    database_deleted: "🚨 Berkas database {path} terhapus saat Warta berjalan. Warta masih bekerja pada berkas yang terhapus itu: semua yang ditulis sekarang hilang saat Warta dimulai ulang, dan awal berikutnya menolak berjalan tanpa database.",
    database_replaced: "🚨 Berkas database {path} diganti berkas lain saat Warta berjalan. Warta masih menulis ke berkas lama: yang ditulis sekarang tidak ada di berkas baru.",
    database_rescued: "\n\nSalinan database yang terbuka disimpan di {copy}. Hentikan Warta, pulihkan salinan itu ke tempatnya, lalu jalankan lagi.",
    database_not_rescued: "\n\nSalinan tidak dapat dibuat. Hentikan Warta dan pulihkan database dari cadangan.",
    breaking_photo_only: "Foto perlu keterangan (caption) sebagai teks berita.",
    breaking_progress: "🔴 Berita terkini #{id}: terkirim {sent}/{total}…",
    breaking_done: "✅ Berita terkini #{id} selesai: terkirim {sent}, diblokir/keluar {blocked}, gagal {failed} (dari {total}).",
    breaking_nobody: "Belum ada kanal atau pelanggan yang bisa menerima berita ini.",
    correct_usage: "Gunakan /{command} <id atau tautan artikel> <teks baru>. Id kiriman ada di /status (mis. #12).",
    retract_usage: "Gunakan /{command} <id atau tautan artikel>. Id kiriman ada di /status (mis. #12).",
    story_not_found: "Tidak ada kiriman dengan id atau tautan “{query}”.",
    corrected: "✏️ Koreksi #{id}: {edits} pesan diedit.",
    corrected_too_old: "{count} pesan lebih tua dari {hours} jam tidak diubah.",
    correction_marker: "✏️ Diralat",
    retracted: "🗑 #{id} ditarik: {deleting} pesan dihapus (atau diganti pemberitahuan), {cancelled} kiriman yang belum terkirim dibatalkan.",
    retraction_notice: "🗑 Berita ini telah ditarik oleh redaksi.",
    paused: "⏸ Posting rutin dijeda. Artikel baru tetap disimpan dan antre; berita terkini tetap terkirim. /lanjut untuk melanjutkan.",
    already_paused: "Posting rutin sudah dijeda. /lanjut untuk melanjutkan.",
    resumed: "▶️ Posting rutin dilanjutkan; {pending} kiriman yang tertunda akan dikirim.",
    not_paused: "Posting rutin tidak sedang dijeda.",
    status_title: "📊 Status Warta",
    status_paused: "⏸ Posting rutin DIJEDA (/lanjut)",
    status_feeds: "Feed",
    status_feed: "{name}: diambil {fetched}, artikel baru {new}, cek berikut {next}",
    status_feed_failing: "⚠️ gagal {count}× berturut-turut: {error}",
    status_never: "belum pernah",
    status_outbox: "Antrean: {pending} menunggu, {dead} gagal permanen, {waits} menunggu batas Telegram",
    status_capacity: "Jangkauan: artikel baru ≈ {time} ke {subscribers} pelanggan ({rate}/detik); dengan paid broadcast ≈ {paid_time}",
    status_capacity_paid: "Jangkauan: artikel baru ≈ {time} ke {subscribers} pelanggan (paid broadcast, {rate}/detik)",
    status_subscribers: "Pelanggan: {active} aktif, {blocked} memblokir/keluar, {new} baru minggu ini",
    status_recent: "Kiriman terakhir",
    status_recent_line: "#{id} {title} — {sent} terkirim, {pending} menunggu, {failed} gagal",
    status_no_posts: "Belum ada kiriman.",
    status_alerts: "⚠️ Peringatan aktif: {count}",
    status_cluster: "🖥 Pemimpin: {leader} (epoch {epoch}) · cadangan: {standbys}",
    status_cluster_none: "tidak ada",
    stats_title: "Warta — 30 hari terakhir",
    stats_posts: "Kiriman per hari",
    stats_subscribers: "Pelanggan aktif",
    stats_caption: "📈 30 hari terakhir ({zone}): {posts} kiriman, {subscribers} pelanggan aktif sekarang.",
    audit_title: "🧾 Tindakan admin terakhir",
    audit_empty: "Belum ada tindakan admin.",
    feed_silent_title: "🔕 Feed sepi",
    feed_silent_body: "{url} berhasil diambil, tetapi tidak ada artikel baru sejak {since} (lebih dari {hours} jam pada jam kerja).",
    feed_silent_over_title: "✅ Feed aktif lagi",
    feed_silent_over_body: "{url} membawa artikel baru lagi.",
    dead_title: "☠️ Kiriman gagal permanen",
    dead_body: "{count} kiriman gagal permanen dalam satu jam terakhir. Lihat /status.",
    dead_over_title: "✅ Kiriman normal lagi",
    backlog_title: "📈 Antrean pelanggan terus bertambah",
    backlog_body: "Selama satu jam antrean kiriman rutin bertambah terus: {pending} menunggu. {capacity}. Kanal menjangkau semua pembaca sekaligus; paid broadcast mempercepat kiriman ke pelanggan.",
    backlog_over_title: "✅ Antrean pelanggan berkurang lagi",
    backlog_over_body: "Antrean kiriman rutin tidak lagi bertambah.",
    dead_over_body: "Tidak ada kiriman gagal permanen baru dalam satu jam terakhir.",
    channel_back_title: "✅ Kanal menerima posting lagi",
    channel_back_body: "{channel} menerima posting dari bot lagi.",
};

pub static NEWSROOM_EN: NewsroomTexts = NewsroomTexts {
    commands: &[
        CommandText {
            id: CommandId::Breaking,
            command: "breaking",
            description: "Admin: send breaking news (preview first)",
        },
        CommandText { id: CommandId::Correct, command: "correct", description: "Admin: correct a post in every chat" },
        CommandText {
            id: CommandId::Retract,
            command: "retract",
            description: "Admin: retract (delete) a post in every chat",
        },
        CommandText { id: CommandId::Pick, command: "pick", description: "Admin: make a story a Top Story" },
        CommandText {
            id: CommandId::Unpick,
            command: "unpick",
            description: "Admin: take a story off the Top Stories",
        },
        CommandText { id: CommandId::Pause, command: "pause", description: "Admin: pause routine posting" },
        CommandText { id: CommandId::Resume, command: "resume", description: "Admin: resume routine posting" },
        CommandText {
            id: CommandId::Status,
            command: "status",
            description: "Admin: feeds, outbox, subscribers, last posts",
        },
        CommandText { id: CommandId::Stats, command: "stats", description: "Admin: 30-day chart" },
        CommandText { id: CommandId::Audit, command: "audit", description: "Admin: recent admin actions" },
    ],
    admin_only: "Sorry, this command is for the newsroom's admins only.",
    admin_in_private: "Admin commands work only in the private chat with the bot.",
    breaking_label: "🔴 BREAKING NEWS",
    breaking_prompt: "Send the breaking news text, or a photo with a caption. This request is valid for {minutes} minutes.",
    breaking_usage: "Use /{command} <text>, /{command} <article link>, or /{command} alone and then send the text or a photo.",
    breaking_too_long: "The text is too long: {length} characters, at most {max}. Shorten it and try again.",
    breaking_article_unknown: "No article with that link is in Warta's archive yet. Send the text, or wait for the article to arrive from the feed.",
    breaking_preview_note: "👆 Preview of breaking news for {channels} channels and {subscribers} subscribers. Nothing is sent until you press Send. Valid for {minutes} minutes.",
    button_send: "✅ Send",
    button_cancel: "✖️ Cancel",
    breaking_confirmed: "Breaking news sent.",
    breaking_cancelled: "Cancelled. Nothing was sent.",
    breaking_expired: "The preview expired; nothing was sent. Start again with /{command}.",
    breaking_already_sent: "This breaking news was already sent.",
    breaking_already_cancelled: "This preview was already cancelled.",
    breaking_not_found: "Preview not found.",
    hold_notice: "⚠️ Item flood held\n\nThe feed {feed} ({url}) brought {count} new items at once. Nothing was sent.\n\nSend all: every item is posted, in order. Skip: the items are stored as known and not posted.",
    button_send_all: "✅ Send all",
    button_skip: "⏭️ Skip",
    hold_sent: "{posts} items queued for sending.",
    hold_skipped: "{count} items skipped: stored, not sent.",
    hold_already_sent: "Already decided: these items were sent.",
    hold_already_skipped: "Already decided: these items were skipped.",
    hold_not_found: "This held batch was not found.",
    gone_notice: "🗑 A story disappeared from the site\n\n{title}\n{link}\n\nWordPress: {reason}. Post #{id} is still on Telegram. If the story was withdrawn, press Retract; if it is only being fixed, ignore this message (republishing sends nothing).",
    button_retract: "🗑 Retract",
    gone_already_retracted: "#{id} was retracted already.",
    database_deleted: "🚨 The database file {path} was deleted while Warta runs. Warta still works on the deleted file: everything written now is lost at the next restart, and the next start refuses to run without a database.",
    database_replaced: "🚨 The database file {path} was replaced by another file while Warta runs. Warta still writes to the old file: what it writes now is not in the new one.",
    database_rescued: "\n\nA copy of the open database was saved as {copy}. Stop Warta, put that copy in place, and start it again.",
    database_not_rescued: "\n\nNo copy could be saved. Stop Warta and restore the database from a backup.",
    breaking_photo_only: "A photo needs a caption as the news text.",
    breaking_progress: "🔴 Breaking news #{id}: sent {sent}/{total}…",
    breaking_done: "✅ Breaking news #{id} done: sent {sent}, blocked/left {blocked}, failed {failed} (of {total}).",
    breaking_nobody: "No channel or subscriber can receive this yet.",
    correct_usage: "Use /{command} <id or article link> <new text>. Post ids are shown in /status (e.g. #12).",
    retract_usage: "Use /{command} <id or article link>. Post ids are shown in /status (e.g. #12).",
    story_not_found: "No post with the id or link “{query}”.",
    corrected: "✏️ Correction #{id}: {edits} messages edited.",
    corrected_too_old: "{count} messages older than {hours} hours were left unchanged.",
    correction_marker: "✏️ Corrected",
    retracted: "🗑 #{id} retracted: {deleting} messages deleted (or replaced by a notice), {cancelled} unsent copies cancelled.",
    retraction_notice: "🗑 This story was withdrawn by the newsroom.",
    paused: "⏸ Routine posting paused. New articles are still stored and queued; breaking news still goes out. /resume to continue.",
    already_paused: "Routine posting is already paused. /resume to continue.",
    resumed: "▶️ Routine posting resumed; {pending} queued deliveries go out now.",
    not_paused: "Routine posting is not paused.",
    status_title: "📊 Warta status",
    status_paused: "⏸ Routine posting PAUSED (/resume)",
    status_feeds: "Feeds",
    status_feed: "{name}: fetched {fetched}, new article {new}, next check {next}",
    status_feed_failing: "⚠️ failed {count}× in a row: {error}",
    status_never: "never",
    status_outbox: "Outbox: {pending} pending, {dead} dead, {waits} waiting out Telegram's flood control",
    status_capacity: "Reach: a new article ≈ {time} to {subscribers} subscribers ({rate}/s); with paid broadcast ≈ {paid_time}",
    status_capacity_paid: "Reach: a new article ≈ {time} to {subscribers} subscribers (paid broadcast, {rate}/s)",
    status_subscribers: "Subscribers: {active} active, {blocked} blocked/left, {new} new this week",
    status_recent: "Last posts",
    status_recent_line: "#{id} {title} — {sent} sent, {pending} pending, {failed} failed",
    status_no_posts: "Nothing posted yet.",
    status_alerts: "⚠️ Alerts raised: {count}",
    status_cluster: "🖥 Leader: {leader} (epoch {epoch}) · standbys: {standbys}",
    status_cluster_none: "none",
    stats_title: "Warta — last 30 days",
    stats_posts: "Posts per day",
    stats_subscribers: "Active subscribers",
    stats_caption: "📈 Last 30 days ({zone}): {posts} posts, {subscribers} active subscribers now.",
    audit_title: "🧾 Recent admin actions",
    audit_empty: "No admin actions yet.",
    feed_silent_title: "🔕 Feed silent",
    feed_silent_body: "{url} fetches fine but has brought no new article since {since} (over {hours} hours in daytime).",
    feed_silent_over_title: "✅ Feed active again",
    feed_silent_over_body: "{url} brings new articles again.",
    dead_title: "☠️ Deliveries dead-lettered",
    dead_body: "{count} deliveries failed for good in the last hour. See /status.",
    dead_over_title: "✅ Deliveries back to normal",
    backlog_title: "📈 The subscribers' queue keeps growing",
    backlog_body: "The routine outbox has grown for an hour: {pending} waiting. {capacity}. The channel reaches every reader at once; paid broadcast speeds up deliveries to subscribers.",
    backlog_over_title: "✅ The subscribers' queue is shrinking again",
    backlog_over_body: "The routine outbox is no longer growing.",
    dead_over_body: "No new dead-lettered deliveries in the last hour.",
    channel_back_title: "✅ Channel accepts posts again",
    channel_back_body: "{channel} accepts the bot's posts again.",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, ID};

    #[test]
    fn admin_menus_are_valid_and_parallel() {
        assert_eq!(NEWSROOM_ID.commands.len(), NEWSROOM_EN.commands.len());
        for command in NEWSROOM_ID.commands.iter().chain(NEWSROOM_EN.commands) {
            assert!((1..=32).contains(&command.command.len()));
            assert!(command.command.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
            assert!((1..=256).contains(&command.description.chars().count()));
        }
        // Admin commands never shadow readers' commands.
        for command in NEWSROOM_ID.commands.iter().chain(NEWSROOM_EN.commands) {
            assert!(!ID.commands.iter().chain(EN.commands).any(|c| c.command == command.command));
        }
    }
}
