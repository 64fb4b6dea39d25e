//! The periodic job that deletes finished jobs once they are old enough.

use serde::{Deserialize, Serialize};

use super::{Job, now_ms, queue};
use crate::state::AppState;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Cleanup {}

impl Job for Cleanup {
    const KIND: &'static str = "jobs.cleanup";
    const PRIORITY: i32 = -10;
    type Context = AppState;

    async fn run(self, state: AppState) -> anyhow::Result<()> {
        let keep_ms = (state.settings.jobs.keep_done_secs * 1000) as i64;
        let purged = state
            .db
            .write(move |conn| queue::purge_done(conn, now_ms() - keep_ms))
            .await?;
        if purged > 0 {
            log::info!("cleanup: deleted {purged} finished job(s)");
        }
        Ok(())
    }
}
