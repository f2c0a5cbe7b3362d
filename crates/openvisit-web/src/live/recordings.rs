//! A visit's recording after its room closes: assembled into WebM files and recorded in
//! the store; an assembly that fails is recorded as failed (staff see it) and tried again
//! by `LiveHub::retry_recordings`; retention deletes recordings past their facility's
//! period (R14).

use std::path::PathBuf;
use std::sync::Arc;

use jiff::Timestamp;
use openvisit_core::{FacilityId, VisitId};
use openvisit_store::Db;
use openvisit_store::recordings::{failed_recordings, record_failed_assembly, save_recording};
use openvisit_store::visits::get_visit;

use super::LiveHub;

/// What assembling a folder came to.
enum Assembled {
    /// WebM files totalling this many bytes.
    Files(u64),
    /// Nothing was recorded (nobody sent media).
    Nothing,
    Failed(String),
}

async fn assemble(folder: PathBuf) -> Assembled {
    match tokio::task::spawn_blocking(move || openvisit_media::assemble_recording(&folder)).await {
        Ok(Ok(files)) if files.is_empty() => Assembled::Nothing,
        Ok(Ok(files)) => Assembled::Files(files.iter().map(|f| f.bytes).sum()),
        Ok(Err(e)) => Assembled::Failed(e.to_string()),
        Err(e) => Assembled::Failed(e.to_string()),
    }
}

/// Records what assembling `folder` came to for `visit`.
async fn record(hub: &LiveHub, visit: VisitId, facility: FacilityId, folder: &PathBuf) -> bool {
    let path = folder.to_string_lossy().into_owned();
    let result = match assemble(folder.clone()).await {
        Assembled::Nothing => {
            let _ = std::fs::remove_dir_all(folder);
            return true;
        }
        Assembled::Files(bytes) => {
            save_recording(hub.db(), visit, facility, &path, bytes, hub.now())
                .await
                .map(|_| true)
        }
        Assembled::Failed(error) => {
            tracing::error!(visit = visit.0, %error, "assembling a recording");
            record_failed_assembly(hub.db(), visit, facility, &path, &error, hub.now())
                .await
                .map(|()| false)
        }
    };
    result.unwrap_or_else(|e| {
        tracing::error!(visit = visit.0, error = %e, "recording the recording");
        false
    })
}

/// Assembles a finished visit's recording and records where it is, or that it failed.
pub(super) async fn keep_recording(hub: Arc<LiveHub>, visit: VisitId, folder: PathBuf) {
    let facility = {
        let Ok(mut conn) = hub.db().conn().await else {
            return;
        };
        match get_visit(&mut conn, visit).await {
            Ok(v) => v.facility,
            Err(_) => return,
        }
    };
    record(&hub, visit, facility, &folder).await;
}

impl LiveHub {
    /// Tries again every recording whose assembly failed (up to
    /// `MAX_ASSEMBLY_ATTEMPTS` tries each). Returns how many are ready now.
    pub async fn retry_recordings(&self) -> usize {
        let Ok(failed) = failed_recordings(self.db()).await else {
            return 0;
        };
        let mut ready = 0;
        for r in failed {
            if record(self, r.visit, r.facility, &PathBuf::from(&r.path)).await {
                ready += 1;
            }
        }
        ready
    }
}

/// Deletes recordings older than their facility's retention period (R14), failed ones
/// with their raw media too.
pub async fn sweep_recordings(db: &Db, now: Timestamp) -> usize {
    let Ok(expired) = openvisit_store::recordings::expired_recordings(db, now).await else {
        return 0;
    };
    let mut deleted = 0;
    for r in expired {
        let gone = match std::fs::remove_dir_all(&r.path) {
            Ok(()) => true,
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        };
        if gone
            && openvisit_store::recordings::mark_recording_deleted(db, r.visit, now)
                .await
                .is_ok()
        {
            deleted += 1;
        }
    }
    deleted
}
