//! A full disk under the database: writes fail while it lasts, and once there
//! is space again every write works — on every pooled connection, without a
//! restart. A real full filesystem: a small tmpfs mounted for the test.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Utc;
use warta::store::Store;

/// A tmpfs of `size` mounted on a fresh folder; unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|out| out.status.success());
        if !mounted {
            eprintln!("SKIPPED: cannot mount a tmpfs here (needs root); the disk-full test did not run");
            return None;
        }
        Some(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the disk with a file; returns its path (remove it to free the space).
    fn fill(&self) -> PathBuf {
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).expect("filler");
        let chunk = vec![0u8; 4096];
        while file.write_all(&chunk).and_then(|()| file.flush()).is_ok() {}
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[tokio::test]
async fn after_a_full_disk_every_connection_writes_again_without_a_restart() {
    let Some(disk) = SmallDisk::mount("4m") else { return };
    let store = Store::open(&disk.path().join("warta.db")).await.expect("open");
    store.subscribe(1, Some("id"), None, Utc::now()).await.expect("a first write");
    store.probe_write(Utc::now()).await.expect("the probe writes");

    let filler = disk.fill();
    let mut refused = 0;
    for round in 0..12i64 {
        let readers: Vec<i64> = (0..2_000).map(|n| 10_000 * (round + 1) + n).collect();
        if store.subscribe_many(&readers, Utc::now()).await.is_err() {
            refused += 1;
        }
    }
    assert!(refused > 0, "the full disk must refuse the big writes");

    std::fs::remove_file(filler).expect("free the space");
    // Enough writes, some concurrent, to pass through every pooled connection.
    for user in 0..40 {
        store.subscribe(100 + user, Some("id"), None, Utc::now()).await.unwrap_or_else(|err| {
            panic!("write {user} after the disk has space again: {err}");
        });
    }
    let concurrent = (0..8).map(|n| {
        let store = store.clone();
        tokio::spawn(async move { store.subscribe(500 + n, Some("id"), None, Utc::now()).await })
    });
    for write in concurrent {
        write.await.expect("task").expect("a concurrent write after the disk has space again");
    }
    store.probe_write(Utc::now()).await.expect("the probe writes again");
    assert!(store.is_subscribed(139).await.expect("read"));
    store.close().await;
}
