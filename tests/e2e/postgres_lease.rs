//! Leadership through the real PostgreSQL (skipped, saying so, without
//! `WARTA_TEST_POSTGRES`): one leader at a time, a standby takes over when the
//! lease expires (the leader died or hung) with a new epoch, and the old
//! leader, waking up, can neither renew nor pass the fence.

use std::time::Duration;

use warta::store::{LeaderLease, LeaseError};

use crate::support::postgres::ScratchDatabase;

/// A term long enough for a loaded 2-core machine to renew well within it.
const TERM: Duration = Duration::from_secs(4);
/// The term of a leader about to hang, so that it expires within the test.
const SHORT: Duration = Duration::from_millis(800);

async fn lease(url: &str, holder: &str) -> LeaderLease {
    lease_for(url, holder, TERM).await
}

async fn lease_for(url: &str, holder: &str, term: Duration) -> LeaderLease {
    LeaderLease::connect(url, holder, term).await.expect("connect the lease")
}

#[tokio::test]
async fn one_leader_at_a_time_and_a_renewing_leader_keeps_it() {
    let Some(db) = ScratchDatabase::create("one_leader_at_a_time").await else { return };
    let (a, b) = (lease(&db.url, "warta-a").await, lease(&db.url, "warta-b").await);
    let epoch = a.try_acquire().await.expect("acquire").expect("a free lease is taken");
    assert_eq!(b.try_acquire().await.expect("acquire"), None, "the standby waits");
    assert_eq!(a.try_acquire().await.expect("again"), Some(epoch), "asking again renews, same epoch");
    // Renewed every 1.5 s, the 4 s lease never lapses for the standby.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        assert!(a.renew(epoch).await.expect("renew"));
        assert_eq!(b.try_acquire().await.expect("acquire"), None);
    }
    let holder = b.current().await.expect("current").expect("a holder");
    assert_eq!((holder.holder.as_str(), holder.epoch), (a.holder(), epoch));
    assert!(holder.holder.starts_with("warta-a/"), "{holder:?}");
    assert!(holder.expires_in > Duration::ZERO && holder.expires_in <= TERM, "{holder:?}");
    // A clean shutdown hands over at once.
    a.release(epoch).await.expect("release");
    assert_eq!(b.try_acquire().await.expect("acquire"), Some(epoch + 1));
    a.close().await;
    b.close().await;
}

#[tokio::test]
async fn a_standby_takes_over_an_expired_lease_and_the_old_leader_is_fenced() {
    let Some(db) = ScratchDatabase::create("takeover_and_fence").await else { return };
    let (a, b) = (lease_for(&db.url, "warta-a", SHORT).await, lease(&db.url, "warta-b").await);
    let old = a.try_acquire().await.expect("acquire").expect("taken");
    assert!(a.still_leads(old).await.expect("fence"));
    // The leader hangs (SIGSTOP): no renewal; the lease runs out by PostgreSQL's clock.
    tokio::time::sleep(SHORT + Duration::from_millis(200)).await;
    let new = b.try_acquire().await.expect("acquire").expect("the standby takes over");
    assert_eq!(new, old + 1, "every takeover raises the epoch");
    // The old leader wakes up (SIGCONT): its epoch is gone.
    assert!(!a.renew(old).await.expect("renew"), "the old leader cannot renew");
    assert!(!a.still_leads(old).await.expect("fence"), "nor pass the fence");
    let wrote = a.fenced(old, |_| Box::pin(async { Ok::<_, LeaseError>("sent") })).await.expect("fenced work");
    assert_eq!(wrote, None, "work under the old epoch is not done");
    assert!(b.still_leads(new).await.expect("fence"));
    // Coming back, the old leader is a standby now.
    assert_eq!(a.try_acquire().await.expect("acquire"), None);
    a.close().await;
    b.close().await;
}

#[tokio::test]
async fn a_database_written_by_a_newer_warta_is_refused() {
    let Some(db) = ScratchDatabase::create("newer_schema").await else { return };
    lease(&db.url, "warta-a").await.close().await;
    let mut connection = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url).await.expect("connect");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (9999, 'from the future', true, '\\x00', 0)",
    )
    .execute(&mut connection)
    .await
    .expect("a newer migration");
    match LeaderLease::connect(&db.url, "warta-a", TERM).await {
        Err(LeaseError::TooNew { database: 9999, .. }) => {}
        other => panic!("expected TooNew, got {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_url_or_an_unreachable_server_says_so_without_the_password() {
    let err = LeaderLease::connect("postgres://warta:hunter2@127.0.0.1:1/warta", "a", TERM).await.expect_err("refused");
    let text = err.to_string();
    assert!(text.starts_with("cannot reach PostgreSQL"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    let err = LeaderLease::connect("postgres://[bad", "a", TERM).await.expect_err("refused");
    assert!(err.to_string().starts_with("the PostgreSQL URL is not valid"), "{err}");
}

#[tokio::test]
async fn two_instances_given_the_same_name_never_share_the_lease() {
    let Some(db) = ScratchDatabase::create("same_name").await else { return };
    let (first, second) = (lease(&db.url, "vps-1").await, lease(&db.url, "vps-1").await);
    assert_ne!(first.holder(), second.holder());
    assert!(first.try_acquire().await.expect("acquire").is_some());
    assert_eq!(second.try_acquire().await.expect("acquire"), None, "a second process with the same name waits");
    first.close().await;
    second.close().await;
}

#[tokio::test]
async fn a_leader_hanging_inside_fenced_work_neither_blocks_the_takeover_nor_commits_late() {
    let Some(db) = ScratchDatabase::create("hang_in_fenced").await else { return };
    let (a, b) = (lease_for(&db.url, "warta-a", SHORT).await, lease(&db.url, "warta-b").await);
    let old = a.try_acquire().await.expect("acquire").expect("taken");
    // The leader stops in the middle of its work, holding the lease row.
    let hung = tokio::spawn(async move {
        a.fenced(old, |_| {
            Box::pin(async {
                tokio::time::sleep(Duration::from_secs(6)).await;
                Ok::<_, LeaseError>("sent")
            })
        })
        .await
    });
    tokio::time::sleep(SHORT + Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let new = b.try_acquire().await.expect("acquire").expect("the standby takes over");
    assert_eq!(new, old + 1);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the takeover waited {:?} on the hung leader",
        started.elapsed()
    );
    let late = hung.await.expect("join");
    assert!(!matches!(late, Ok(Some(_))), "the hung leader's work must not commit: {late:?}");
    b.close().await;
}
