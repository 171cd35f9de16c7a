//! The delivery side of the outbox: claim → send → record.

pub mod gate;
pub mod policy;
pub mod sender;
pub mod worker;

pub use crate::telegram::{Pacer, PacingLimits};
pub use gate::SendGate;
pub use policy::RetryPolicy;
pub use sender::{SendResult, TelegramSender};
pub use worker::{DeliveryOutcome, DeliveryWorker, ImageDownloader, QuietNight, WorkerSettings};
