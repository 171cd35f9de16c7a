//! The delivery side of the outbox: claim → send → record.

pub mod gate;
pub mod pacer;
pub mod policy;
pub mod sender;
pub mod worker;

pub use gate::SendGate;
pub use pacer::{Lane, Pacer, PacingLimits, sending_rate_at};
pub use policy::RetryPolicy;
pub use sender::{SendResult, TelegramSender};
pub use worker::{DeliveryOutcome, DeliveryWorker, ImageDownloader, WorkerSettings};
