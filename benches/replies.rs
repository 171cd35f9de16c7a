//! Reply latency benchmark: /latest (and its ◀ ▶ paging) and /cari answered
//! from an archive of 100,000 articles while 200 readers send commands at
//! once or at a steady pace. The real `warta` binary runs against the fake Bot API (in this
//! process); latency is measured at the fake, from the moment an update is
//! queued for getUpdates to the moment the answer (a message, or the edit
//! of the paged message) arrives.
//!
//!     cargo bench --bench replies                      # 100,000 articles, 200 readers
//!     cargo bench --bench replies -- --articles 20000 --readers 50 --rate 25 --seconds 10 --rounds 2
//!     cargo bench --bench replies -- --database /tmp/archive.db   # seed once, reuse after
//!
//! Reports p50/p90/p99/max per kind of request, the seeding time and the bot's peak RSS.

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use url::Url;
use warta::domain::{ArticleKey, NewArticle};
use warta::format::PostStyle;
use warta::store::{FetchMeta, FetchRecord, Store};

use support::bench::{open_bench_store, scratch_postgres};
use support::{FakeFeedServer, FakeTelegram, FakeUser, Item, TOKEN, rss};

/// Feeds the archive is spread over (each feed's first fetch records without posting).
const FEEDS: usize = 100;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let articles = support::bench::count_arg("--articles", 100_000);
    let readers = support::bench::count_arg("--readers", 200);
    let rounds = support::bench::count_arg("--rounds", 5);
    let per_second = support::bench::count_arg("--rate", 100);
    let steady_seconds = support::bench::count_arg("--seconds", 20) as u64;
    let database =
        args.iter().position(|a| a == "--database").and_then(|i| args.get(i + 1)).map(std::path::PathBuf::from);
    // The store on PostgreSQL (a scratch database on WARTA_TEST_POSTGRES) instead of SQLite.
    let postgres = args.iter().any(|a| a == "--postgres");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(run(Load { articles, readers, rounds, per_second, steady_seconds }, database, postgres));
}

struct Load {
    articles: usize,
    readers: usize,
    /// Bursts per kind.
    rounds: usize,
    /// Steady load: commands per second, and for how long per kind.
    per_second: usize,
    steady_seconds: u64,
}

async fn run(load: Load, keep: Option<std::path::PathBuf>, postgres: bool) {
    let Load { articles, readers, rounds, per_second, steady_seconds } = load;
    println!(
        "reply latency benchmark: {articles} articles, {readers} readers, store on {}",
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let scratch = scratch_postgres(postgres, "replies bench").await;
    let database = keep.unwrap_or_else(|| dir.path().join("replies.db"));
    let vocabulary = Vocabulary::new();
    let location = match &scratch {
        Some(scratch) => scratch.url.clone(),
        None => database.display().to_string(),
    };
    if scratch.is_none() && database.exists() {
        println!("reusing the archive in {}", database.display());
    } else {
        let started = Instant::now();
        seed(open_bench_store(scratch.as_ref(), &database).await, articles, &vocabulary).await;
        println!("seeded in {:.1} s", started.elapsed().as_secs_f64());
    }

    let telegram = FakeTelegram::start(TOKEN).await;
    let feeds = FakeFeedServer::start().await;
    feeds.set_feed("feed.xml", &rss(&[Item::numbered(1)]));
    let config = dir.path().join("bot.toml");
    std::fs::write(
        &config,
        format!(
            "[telegram]\napi_url = \"{}\"\npoll_timeout = \"2s\"\n\n[storage]\ndatabase = \"{}\"\n\n\
             [readers]\ncommand_burst = 100000\ncommand_refill = \"1ms\"\n\n\
             [[feeds]]\nurl = \"{}\"\ninterval = \"1h\"\n",
            telegram.api_url(),
            location,
            feeds.url("feed.xml")
        ),
    )
    .expect("config");
    let mut bot = Command::new(env!("CARGO_BIN_EXE_warta"))
        .args(["run", "--config"])
        .arg(&config)
        .env("BOT_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        // Replies keep to Telegram's pace like every send; the load here (100
        // commands/s, 200 at once) is far above the free 30/s, so the bot runs
        // at the highest rate it allows (as with paid broadcast or a local Bot
        // API server) and what is measured is its own work, plus at most that
        // pacing: 200 answers at 1000/s take 0.2 s.
        .env("WARTA__DELIVERY__OVERALL_PER_SECOND", "1000")
        .env("WARTA__DELIVERY__PRIVATE_PER_MINUTE", "600")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start warta");
    telegram.wait_until("the bot polling", Duration::from_secs(60), |t| !t.calls_to("getUpdates").is_empty()).await;
    telegram.start_latency_probe();

    let users: Vec<FakeUser> =
        (0..readers).map(|n| FakeUser::new(7_000_000 + n as i64, "Pembaca", Some("id"))).collect();
    let latest_command = |n: usize| match n % 4 {
        0 => "/latest".to_owned(),
        1 => "/latest 10".to_owned(),
        2 => format!("/latest {}", CATEGORIES[n % CATEGORIES.len()]),
        _ => format!("/latest {} 20", CATEGORIES[n % 5]),
    };
    let terms = vocabulary.search_terms();
    let search_command = |n: usize| format!("/cari {}", terms[n % terms.len()]);

    println!(
        "\nsteady load: {readers} readers, each sending a command every {:.1} s on average \
         ({per_second}/s, Poisson arrivals), {steady_seconds} s per kind",
        readers as f64 / per_second as f64
    );
    let latest = steady(&telegram, &users, per_second, steady_seconds, |n| Action::Send(latest_command(n))).await;
    report("/latest", &latest);
    let paging = steady(&telegram, &users, per_second, steady_seconds, |_| Action::TurnPage).await;
    report("◀ ▶ paging (edit)", &paging);
    let search = steady(&telegram, &users, per_second, steady_seconds, |n| Action::Send(search_command(n))).await;
    report("/cari", &search);

    println!("\nburst: all {readers} readers send at the same instant, {rounds} times (the worst case on 2 cores)");
    let latest = burst(&telegram, &users, rounds, &latest_command).await;
    report("/latest", &latest);
    let search = burst(&telegram, &users, rounds, &search_command).await;
    report("/cari", &search);

    println!("\none search at a time, per term (5 each):");
    for term in &terms {
        let mut one = Vec::new();
        for _ in 0..5 {
            telegram.user_sends(&users[0], users[0].id, &format!("/cari {term}"));
            collect(&telegram, 1, &mut one).await;
        }
        report(&format!("  {term}"), &one);
    }

    if let Some(kib) = peak_rss_kib(bot.id()) {
        println!("\npeak RSS of the bot: {:.1} MiB", kib as f64 / 1024.0);
    }
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(bot.id() as libc::pid_t, libc::SIGTERM);
    }
    let _ = bot.wait();
}

enum Action {
    Send(String),
    /// Press ▶ on the reader's last list (or send /latest if it has none).
    TurnPage,
}

/// Open-loop load: commands arrive at `per_second` on average (exponential
/// gaps), each from the next reader in turn, for `seconds`; waits for every answer.
async fn steady(
    telegram: &FakeTelegram,
    users: &[FakeUser],
    per_second: usize,
    seconds: u64,
    action: impl Fn(usize) -> Action,
) -> Vec<Duration> {
    let started = tokio::time::Instant::now();
    let mut next = started;
    let mut sent = 0;
    while next.duration_since(started) < Duration::from_secs(seconds) {
        tokio::time::sleep_until(next).await;
        let user = &users[sent % users.len()];
        match action(sent) {
            Action::Send(text) => {
                telegram.user_sends(user, user.id, &text);
            }
            Action::TurnPage => {
                let last = telegram.messages_in(user.id).pop();
                match last.filter(|m| m.button_texts().iter().any(|b| b == "▶")) {
                    Some(message) => {
                        telegram.user_presses(user, user.id, message.message_id, &message_button(&message, "▶"));
                    }
                    None => {
                        telegram.user_sends(user, user.id, "/latest");
                    }
                }
            }
        }
        sent += 1;
        let gap = -(1.0 - fastrand::f64()).ln() / per_second as f64;
        next += Duration::from_secs_f64(gap);
    }
    let mut latencies = Vec::new();
    collect(telegram, sent, &mut latencies).await;
    latencies
}

/// Each round, every reader sends one command at once; waits for all answers.
async fn burst(
    telegram: &FakeTelegram,
    users: &[FakeUser],
    rounds: usize,
    command: impl Fn(usize) -> String,
) -> Vec<Duration> {
    let mut latencies = Vec::new();
    for round in 0..rounds {
        for (reader, user) in users.iter().enumerate() {
            telegram.user_sends(user, user.id, &command(reader + round * users.len()));
        }
        collect(telegram, users.len(), &mut latencies).await;
    }
    latencies
}

async fn collect(telegram: &FakeTelegram, expected: usize, into: &mut Vec<Duration>) {
    telegram
        .wait_until(&format!("{expected} answers"), Duration::from_secs(120), |t| t.latency_count() >= expected)
        .await;
    into.extend(telegram.take_latencies());
}

fn message_button(message: &support::fake_telegram::SentMessage, label: &str) -> String {
    message.button_data(label).expect("button")
}

fn report(label: &str, latencies: &[Duration]) {
    let mut sorted: Vec<f64> = latencies.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| sorted[((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1];
    println!(
        "{label:<20} n={:>5}  p50 {:>6.1} ms  p90 {:>6.1} ms  p99 {:>6.1} ms  max {:>6.1} ms",
        sorted.len(),
        at(0.50),
        at(0.90),
        at(0.99),
        sorted.last().copied().unwrap_or_default()
    );
}

const CATEGORIES: &[&str] = &[
    "Samarinda",
    "Balikpapan",
    "Ekonomi",
    "Politik",
    "Olahraga",
    "Hukum",
    "Pendidikan",
    "Kesehatan",
    "Kutai Kartanegara",
    "Kutai Timur",
    "Kutai Barat",
    "Bontang",
    "Berau",
    "Paser",
    "Penajam Paser Utara",
    "Mahakam Ulu",
    "IKN",
    "Nasional",
    "Lingkungan",
    "Teknologi",
    "Budaya",
    "Pariwisata",
    "Kriminal",
    "Infrastruktur",
    "Opini",
    "Advertorial",
    "DPRD Kaltim",
    "Pemprov Kaltim",
    "Tambang",
    "Pertanian",
];

/// Indonesian stop words come first: they are the most frequent in any text.
const WORDS: &[&str] = &[
    "yang",
    "dan",
    "di",
    "ke",
    "dari",
    "ini",
    "itu",
    "dengan",
    "untuk",
    "pada",
    "dalam",
    "tidak",
    "akan",
    "juga",
    "ada",
    "oleh",
    "sebagai",
    "bahwa",
    "kata",
    "para",
    "pemerintah",
    "kota",
    "samarinda",
    "warga",
    "banjir",
    "jalan",
    "provinsi",
    "kaltim",
    "dprd",
    "anggaran",
    "pembangunan",
    "rapat",
    "wali",
    "gubernur",
    "bupati",
    "kecamatan",
    "kelurahan",
    "sekolah",
    "siswa",
    "guru",
    "rumah",
    "sakit",
    "pasien",
    "dokter",
    "harga",
    "pasar",
    "sembako",
    "beras",
    "minyak",
    "tambang",
    "batubara",
    "sungai",
    "mahakam",
    "jembatan",
    "proyek",
    "kontraktor",
    "polisi",
    "polresta",
    "kasus",
    "tersangka",
    "pengadilan",
    "jaksa",
    "korupsi",
    "dana",
    "desa",
    "ibu",
    "kota",
    "nusantara",
    "investasi",
    "ekonomi",
    "inflasi",
    "pertumbuhan",
    "usaha",
    "umkm",
    "pelatihan",
    "festival",
    "budaya",
    "wisata",
    "pantai",
    "hutan",
    "lingkungan",
    "sampah",
    "air",
    "bersih",
    "listrik",
    "pln",
    "bandara",
    "pelabuhan",
    "kapal",
    "penumpang",
    "mudik",
    "lebaran",
    "natal",
    "tahun",
    "baru",
    "pemilu",
    "kampanye",
    "calon",
    "partai",
    "suara",
    "atlet",
    "medali",
    "emas",
    "pon",
    "persiba",
    "borneo",
    "fc",
    "pertandingan",
    "stadion",
    "segiri",
    "latihan",
    "pelatih",
    "kesehatan",
    "vaksin",
    "stunting",
    "gizi",
    "posyandu",
    "bantuan",
    "sosial",
    "penerima",
    "data",
    "digital",
    "internet",
    "aplikasi",
    "layanan",
    "publik",
    "pegawai",
    "asn",
    "honorer",
    "gaji",
    "tunjangan",
    "pajak",
    "retribusi",
    "parkir",
    "kendaraan",
    "kecelakaan",
    "lalu",
    "lintas",
    "macet",
    "perbaikan",
    "aspal",
    "drainase",
    "genangan",
    "hujan",
    "cuaca",
    "bmkg",
    "gempa",
    "kebakaran",
    "lahan",
    "petani",
    "sawit",
    "karet",
    "nelayan",
    "ikan",
    "tambak",
    "udang",
    "peternak",
    "sapi",
    "kurban",
    "masjid",
    "gereja",
    "toleransi",
    "pemuda",
    "mahasiswa",
    "kampus",
    "universitas",
    "mulawarman",
    "penelitian",
    "inovasi",
    "teknologi",
    "startup",
    "kopi",
    "kuliner",
    "café",
    "hotel",
    "okupansi",
    "pengunjung",
];

/// A fixed vocabulary with a Zipf-like use: the first words are common, the
/// later ones (and generated ones) rare, as in real news text.
struct Vocabulary {
    words: Vec<String>,
}

impl Vocabulary {
    fn new() -> Self {
        let mut words: Vec<String> = WORDS.iter().map(|w| (*w).to_owned()).collect();
        let syllables = ["ka", "ra", "ma", "ta", "ng", "lu", "si", "po", "de", "wa", "ri", "bo", "tu", "ne", "ga"];
        'outer: for a in syllables {
            for b in syllables {
                for c in syllables {
                    words.push(format!("{a}{b}{c}"));
                    if words.len() >= 3000 {
                        break 'outer;
                    }
                }
            }
        }
        Self { words }
    }

    /// The i-th word of a Zipf(1)-ish draw from a uniform number in 0..1.
    fn draw(&self, uniform: f64) -> &str {
        let n = self.words.len() as f64;
        let index = ((n + 1.0).powf(uniform) - 1.0) as usize;
        &self.words[index.min(self.words.len() - 1)]
    }

    fn sentence(&self, words: usize) -> String {
        (0..words).map(|_| self.draw(fastrand::f64())).collect::<Vec<_>>().join(" ")
    }

    /// What readers search: content words from common to rare, a prefix,
    /// word pairs, and a stop word (matching nearly everything) as the worst case.
    fn search_terms(&self) -> Vec<String> {
        vec![
            self.words[20].clone(),
            self.words[24].clone(),
            self.words[40].clone(),
            self.words[90].clone(),
            self.words[160].clone(),
            self.words[1500].clone(),
            self.words[20][..3].to_owned(),
            format!("{} {}", self.words[21], self.words[24]),
            format!("{} {}", self.words[30], self.words[75]),
            self.words[0].clone(),
        ]
    }
}

async fn seed(store: Store, articles: usize, vocabulary: &Vocabulary) {
    fastrand::seed(7);
    let urls: Vec<(Url, Option<String>)> = (0..FEEDS)
        .map(|n| {
            (Url::parse(&format!("https://kaltimtoday.co/feed-{n}/")).expect("url"), Some("Kaltimtoday.co".into()))
        })
        .collect();
    let feeds = store.sync_feeds(&urls, Utc::now()).await.expect("feeds");
    let style = PostStyle::default();
    let start = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).single().expect("time");
    let per_feed = articles.div_ceil(FEEDS);
    for (f, feed) in feeds.iter().enumerate() {
        let batch: Vec<NewArticle> = (0..per_feed)
            .map(|i| {
                let n = f * per_feed + i;
                let link = Url::parse(&format!("https://kaltimtoday.co/berita-{n}/")).expect("url");
                let categories = (0..1 + fastrand::usize(..3))
                    .map(|_| {
                        CATEGORIES[(vocabulary.words.len() as f64).powf(fastrand::f64()) as usize % CATEGORIES.len()]
                            .to_owned()
                    })
                    .collect();
                NewArticle {
                    key: ArticleKey::from_link(&link),
                    title: vocabulary.sentence(8 + fastrand::usize(..6)),
                    link: Some(link),
                    summary_html: Some(format!("<p>{}</p>", vocabulary.sentence(30 + fastrand::usize(..30)))),
                    content_html: None,
                    author: Some("Redaksi".into()),
                    categories,
                    tags: vec![],
                    page_photo: None,
                    image_url: None,
                    published_at: Some(start + chrono::Duration::minutes((n * 20) as i64)),
                }
            })
            .collect();
        let now = Utc::now();
        let record = FetchRecord {
            meta: &FetchMeta::default(),
            articles: &batch,
            now,
            next_check: now,
            backfill: 0,
            edit_window: Duration::from_secs(3600),
        };
        store.record_fetch_success(feed.id, record, &style).await.expect("record");
    }
    store.close().await;
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}
