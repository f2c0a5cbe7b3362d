//! `openvisit backup` and `openvisit restore`: the embedded SQLite database copied while
//! the server runs, and put back into a data directory. Recordings' files and the
//! secret-key file are not in the copy (docs/OPERATIONS.md says how to keep them).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use openvisit_store::Db;
use openvisit_store::backup::{copy_sqlite, open_read_only, sqlite_structure_problems};
use openvisit_store::integrity::check_database;

use crate::{DB_FILE, DbArgs};

pub async fn backup(args: &DbArgs, to: &Path) -> anyhow::Result<()> {
    if args.database_url.is_some() {
        bail!(
            "`openvisit backup` copies the embedded SQLite database; back PostgreSQL up with \
             pg_dump or a base backup with WAL archiving (docs/OPERATIONS.md)"
        );
    }
    let db = Db::connect(&args.url(false), 2)
        .await
        .with_context(|| format!("cannot open the database in {}", args.data_dir.display()))?;
    copy_sqlite(&db, to).await?;
    let report = verify(to).await?;
    println!(
        "Backed up to {} ({} bytes, {} ledger entries, sound).",
        to.display(),
        std::fs::metadata(to).map_or(0, |m| m.len()),
        report
    );
    println!(
        "Not in the copy: the recordings' files ({}) and the secret-key file; keep both \
         apart from it (docs/OPERATIONS.md).",
        args.data_dir.join("recordings").display()
    );
    Ok(())
}

pub async fn restore(args: &DbArgs, from: &Path, replace: bool) -> anyhow::Result<()> {
    if args.database_url.is_some() {
        bail!(
            "`openvisit restore` restores the embedded SQLite database; restore PostgreSQL \
             with pg_restore (docs/OPERATIONS.md)"
        );
    }
    if !from.is_file() {
        bail!("{} is not a file", from.display());
    }
    // A backup that fails its checks is refused before anything is touched.
    let entries = verify(from).await?;

    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
    let target = args.data_dir.join(DB_FILE);
    let kept = if target.exists() {
        if !replace {
            bail!(
                "{} already holds a database. Stop the server, then run restore again with \
                 --replace (the current database is kept beside it)",
                args.data_dir.display()
            );
        }
        Some(set_aside(&args.data_dir)?)
    } else {
        None
    };
    // Copied beside the target and renamed into place: a restore cut short leaves
    // either the old database or the new one, never half of one.
    let partial = args.data_dir.join(format!("{DB_FILE}.restoring"));
    std::fs::copy(from, &partial).with_context(|| format!("cannot copy {}", from.display()))?;
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .context("cannot flush the restored database to disk")?;
    std::fs::rename(&partial, &target).context("cannot move the restored database into place")?;
    println!(
        "Restored {} into {} ({entries} ledger entries).",
        from.display(),
        target.display()
    );
    if let Some(kept) = kept {
        println!("The database it replaced is kept as {}.", kept.display());
    }
    println!(
        "Start the server with the secret-key file the backup was made with, and put the \
         recordings' files back in {}.",
        args.data_dir.join("recordings").display()
    );
    Ok(())
}

/// SQLite's structure check and OpenVisit's integrity check of a database file; the
/// number of ledger entries when both pass.
async fn verify(file: &Path) -> anyhow::Result<i64> {
    let mut conn = open_read_only(file)
        .await
        .with_context(|| format!("cannot open {} as a database", file.display()))?;
    let problems = sqlite_structure_problems(&mut conn)
        .await
        .with_context(|| format!("{} is not a readable database", file.display()))?;
    if let Some(problems) = problems {
        bail!("{} is damaged: {problems}", file.display());
    }
    let report = check_database(&mut conn)
        .await
        .with_context(|| format!("{} is not an OpenVisit database", file.display()))?;
    if !report.is_sound() {
        bail!(
            "{} fails the integrity check:\n{}",
            file.display(),
            crate::check::describe(&report)
        );
    }
    Ok(report.ledger.entries)
}

/// Moves the data directory's database (and its journal files) aside; where it went.
fn set_aside(dir: &Path) -> anyhow::Result<PathBuf> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let kept = dir.join(format!("{DB_FILE}.before-restore-{stamp}"));
    for suffix in ["", "-wal", "-shm"] {
        let from = dir.join(format!("{DB_FILE}{suffix}"));
        if from.exists() {
            let to = PathBuf::from(format!("{}{suffix}", kept.display()));
            std::fs::rename(&from, &to)
                .with_context(|| format!("cannot move {} aside", from.display()))?;
        }
    }
    Ok(kept)
}
