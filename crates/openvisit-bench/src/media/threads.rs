//! The benchmark's threads as the kernel sees them (Linux /proc): pinning each to its
//! core, and their CPU time, run-queue waits and the host's steal.

/// The server's media thread, by name, for its CPU time.
pub(super) const MEDIA_THREAD: &str = "openvisit-media";
/// The raw relay's thread, by name, for its CPU time.
pub(super) const RELAY_THREAD: &str = "raw-relay";

/// The load generators' threads (the relay's sender and sinks), by name, for pinning.
pub(super) const LOAD_THREAD: &str = "relay-load";
/// The benchmark peers' threads (`--peer-threads` above 0), by name, for pinning.
pub(super) const PEER_THREAD: &str = "loopback-peers";

/// On a machine of two or more cores, pins the measured thread (`measured`) to core 0
/// and the threads that generate its load (`load`), with every other thread of this
/// process, to core 1 (with `taskset`): the figure is then what one core does, not how
/// the scheduler shared two between a server, its load and the benchmark's own runtime
/// (which shows most in latency: a thread waiting for its core holds its datagrams).
/// Returns whether the measured thread and its load were pinned.
pub(super) fn pin_apart(measured: &str, load: &str) -> bool {
    if machine_cores() < 2 {
        return false;
    }
    let mut pinned = [false, false];
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return false;
    };
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        let (core, counts) = match comm.trim() {
            name if name == measured => (0, true),
            name if name == load => (1, true),
            _ => (1, false),
        };
        let tid = task.file_name().to_string_lossy().into_owned();
        let done = std::process::Command::new("taskset")
            .args(["-p", "-c", &core.to_string(), &tid])
            .output()
            .is_ok_and(|o| o.status.success());
        if counts {
            pinned[core] |= done;
        }
    }
    pinned == [true, true]
}

/// Pins every thread of this process to `core` (the Janus run: Janus, in its own
/// process, has the other core). Returns whether every thread was pinned.
pub(super) fn pin_process_to(core: usize) -> bool {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return false;
    };
    let mut all = true;
    for task in tasks.flatten() {
        let tid = task.file_name().to_string_lossy().into_owned();
        all &= std::process::Command::new("taskset")
            .args(["-p", "-c", &core.to_string(), &tid])
            .output()
            .is_ok_and(|o| o.status.success())
            // A thread that ended meanwhile needs no pinning.
            || !task.path().exists();
    }
    all
}

/// Cores of the machine, online (from /proc/stat on Linux). Not
/// `available_parallelism`, which counts the calling thread's cores: one, once this
/// thread is pinned.
pub(super) fn machine_cores() -> usize {
    std::fs::read_to_string("/proc/stat")
        .map(|stat| {
            stat.lines()
                .filter(|l| {
                    l.strip_prefix("cpu")
                        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
                })
                .count()
        })
        .unwrap_or(0)
        .max(std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The sum of `read` (a figure read from a thread's /proc folder) over this process's
/// threads of this name (Linux); `None` if none could be read.
fn sum_over_threads(name: &str, read: impl Fn(&std::path::Path) -> Option<f64>) -> Option<f64> {
    let mut sum = None;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        if let Some(value) = read(&task.path()) {
            *sum.get_or_insert(0.0) += value;
        }
    }
    sum
}

/// The Linux thread id of this process's newest thread of this name, if there is one
/// (an earlier one may still be ending).
pub(super) fn thread_id(name: &str) -> Option<i32> {
    std::fs::read_dir("/proc/self/task")
        .ok()?
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|c| c.trim() == name)
        })
        .filter_map(|task| task.file_name().to_str()?.parse::<i32>().ok())
        .max()
}

/// CPU seconds the threads of this name have used.
pub(super) fn thread_cpu(name: &str) -> Option<f64> {
    sum_over_threads(name, |task| {
        let stat = std::fs::read_to_string(task.join("stat")).ok()?;
        // Fields after the command name: state is field 3, utime 14, stime 15.
        let (_, rest) = stat.rsplit_once(')')?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
        Some((ticks(11)? + ticks(12)?) / 100.0)
    })
}

/// Seconds the threads of this name have waited on a run queue, ready to run (kernel
/// scheduler statistics): time other threads had their core.
pub(super) fn thread_run_queue_wait(name: &str) -> Option<f64> {
    sum_over_threads(name, |task| {
        // Fields: time on the CPU, time waiting on a run queue (both ns), timeslices.
        let stat = std::fs::read_to_string(task.join("schedstat")).ok()?;
        let waited: f64 = stat.split_whitespace().nth(1)?.parse().ok()?;
        Some(waited / 1e9)
    })
}

/// Seconds the hypervisor has kept this core from the machine (steal), from /proc/stat.
pub(super) fn core_steal(core: usize) -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat
        .lines()
        .find(|l| l.split_whitespace().next() == Some(&format!("cpu{core}")))?;
    // cpuN user nice system idle iowait irq softirq steal ...: ticks of 1/100 s.
    let ticks: f64 = line.split_whitespace().nth(8)?.parse().ok()?;
    Some(ticks / 100.0)
}
