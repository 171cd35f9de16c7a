//! The texts of delivery modes: the "Berita Pilihan" digest, the /atur
//! settings, /ringkasan, and the editors' picks.

use super::Lang;

/// One catalogue per language; placeholders are filled with [`super::fill`].
#[derive(Debug)]
pub struct DigestTexts {
    /// The digest's heading, before the date: "Berita Pilihan".
    pub digest_title: &'static str,
    /// The part of the day a slot falls in: before 11, before 15, before 18, later.
    pub day_parts: [&'static str; 4],
    pub picks_heading: &'static str,
    pub others_heading: &'static str,
    /// `{count}`: stories left out.
    pub left_out: &'static str,
    pub button_more: &'static str,
    pub mode_every: &'static str,
    pub mode_digest: &'static str,
    pub mode_breaking: &'static str,
    pub settings_title: &'static str,
    pub settings_subscribed: &'static str,
    pub settings_not_subscribed: &'static str,
    /// `{mode}`.
    pub settings_mode: &'static str,
    /// `{times}`.
    pub settings_times: &'static str,
    /// `{hours}`, `{state}`.
    pub settings_quiet: &'static str,
    pub settings_quiet_off_config: &'static str,
    pub on: &'static str,
    pub off: &'static str,
    /// `{categories}`.
    pub settings_categories: &'static str,
    pub settings_all_categories: &'static str,
    /// `{language}`.
    pub settings_language: &'static str,
    pub settings_hint: &'static str,
    /// `{state}`.
    pub button_quiet: &'static str,
    pub button_categories: &'static str,
    pub button_language: &'static str,
    pub button_settings: &'static str,
    pub button_subscribe: &'static str,
    pub button_unsubscribe: &'static str,
    /// `{mode}`.
    pub toast_mode: &'static str,
    pub toast_time_needed: &'static str,
    pub toast_time_unknown: &'static str,
    pub toast_saved: &'static str,
    /// `{times}`, `{next}`.
    pub digest_on: &'static str,
    /// `{times}`, `{next}`.
    pub digest_already: &'static str,
    /// `{command}`.
    pub pick_usage: &'static str,
    /// `{id}`, `{title}`.
    pub picked: &'static str,
    pub already_picked: &'static str,
    pub unpicked: &'static str,
    pub not_picked: &'static str,
    pub pick_not_article: &'static str,
    pub status_picks: &'static str,
    pub status_no_picks: &'static str,
}

impl Lang {
    pub fn digest(self) -> &'static DigestTexts {
        match self {
            Self::Id => &DIGEST_ID,
            Self::En => &DIGEST_EN,
        }
    }
}

static DIGEST_ID: DigestTexts = DigestTexts {
    digest_title: "Berita Pilihan",
    day_parts: ["pagi", "siang", "sore", "malam"],
    picks_heading: "⭐ Pilihan Redaksi",
    others_heading: "📰 Terbaru",
    left_out: "… dan {count} berita lainnya.",
    button_more: "Berita lainnya",
    mode_every: "Setiap berita",
    mode_digest: "Ringkasan",
    mode_breaking: "Hanya breaking news",
    settings_title: "⚙️ Pengaturan berita Anda",
    settings_subscribed: "Langganan: aktif",
    settings_not_subscribed: "Langganan: belum berlangganan — pilih cara terima di bawah untuk mulai",
    settings_mode: "Cara terima: {mode}",
    settings_times: "Waktu ringkasan: {times}",
    settings_quiet: "Malam tenang ({hours}): {state}",
    settings_quiet_off_config: "Malam tenang: tidak diatur redaksi",
    on: "hidup",
    off: "mati",
    settings_categories: "Kategori: {categories}",
    settings_all_categories: "semua",
    settings_language: "Bahasa: {language}",
    settings_hint: "Breaking news selalu langsung dikirim, dengan suara.",
    button_quiet: "🌙 Malam tenang: {state}",
    button_categories: "🗂 Kategori",
    button_language: "🌐 Bahasa",
    button_settings: "⚙️ Pengaturan",
    button_subscribe: "🔔 Berlangganan",
    button_unsubscribe: "🔕 Berhenti berlangganan",
    toast_mode: "Cara terima: {mode}",
    toast_time_needed: "Pilih paling tidak satu waktu ringkasan.",
    toast_time_unknown: "Waktu itu tidak lagi ditawarkan.",
    toast_saved: "Tersimpan.",
    digest_on: "✅ Anda kini menerima Berita Pilihan setiap hari pukul {times}, bukan setiap berita.\n\
                Ringkasan berikutnya: {next}.\nBreaking news tetap langsung dikirim. Ubah kapan saja dengan /atur.",
    digest_already: "Anda sudah menerima Berita Pilihan pukul {times}.\nRingkasan berikutnya: {next}. \
                     Ubah waktunya dengan /atur.",
    pick_usage: "Pakai: /{command} <nomor kiriman atau tautan berita>, mis. /{command} #12",
    picked: "⭐ #{id} «{title}» masuk Berita Pilihan.",
    already_picked: "#{id} «{title}» sudah masuk Berita Pilihan.",
    unpicked: "#{id} «{title}» tidak lagi masuk Berita Pilihan.",
    not_picked: "#{id} «{title}» bukan Berita Pilihan.",
    pick_not_article: "Hanya berita dari situs yang bisa dipilih, bukan breaking news tulisan admin.",
    status_picks: "⭐ Pilihan hari ini",
    status_no_picks: "⭐ Belum ada pilihan hari ini (/pilih <kiriman>).",
};

static DIGEST_EN: DigestTexts = DigestTexts {
    digest_title: "Top Stories",
    day_parts: ["morning", "midday", "afternoon", "evening"],
    picks_heading: "⭐ Editors' picks",
    others_heading: "📰 Latest",
    left_out: "… and {count} more stories.",
    button_more: "More news",
    mode_every: "Every story",
    mode_digest: "Digest",
    mode_breaking: "Breaking news only",
    settings_title: "⚙️ Your news settings",
    settings_subscribed: "Subscription: active",
    settings_not_subscribed: "Subscription: not subscribed — choose how you get the news below to start",
    settings_mode: "How: {mode}",
    settings_times: "Digest times: {times}",
    settings_quiet: "Quiet night ({hours}): {state}",
    settings_quiet_off_config: "Quiet night: not set by the newsroom",
    on: "on",
    off: "off",
    settings_categories: "Categories: {categories}",
    settings_all_categories: "all",
    settings_language: "Language: {language}",
    settings_hint: "Breaking news always arrives at once, with sound.",
    button_quiet: "🌙 Quiet night: {state}",
    button_categories: "🗂 Categories",
    button_language: "🌐 Language",
    button_settings: "⚙️ Settings",
    button_subscribe: "🔔 Subscribe",
    button_unsubscribe: "🔕 Unsubscribe",
    toast_mode: "How: {mode}",
    toast_time_needed: "Keep at least one digest time.",
    toast_time_unknown: "That time is no longer offered.",
    toast_saved: "Saved.",
    digest_on: "✅ You now get the Top Stories digest every day at {times} instead of every story.\n\
                Next digest: {next}.\nBreaking news still arrives at once. Change it any time with /settings.",
    digest_already: "You already get the Top Stories digest at {times}.\nNext digest: {next}. \
                     Change the times with /settings.",
    pick_usage: "Usage: /{command} <post number or article link>, e.g. /{command} #12",
    picked: "⭐ #{id} “{title}” is in the Top Stories.",
    already_picked: "#{id} “{title}” is in the Top Stories already.",
    unpicked: "#{id} “{title}” is no longer in the Top Stories.",
    not_picked: "#{id} “{title}” is not in the Top Stories.",
    pick_not_article: "Only the site's articles can be picked, not breaking news an admin wrote.",
    status_picks: "⭐ Today's picks",
    status_no_picks: "⭐ No picks today yet (/pick <post>).",
};
