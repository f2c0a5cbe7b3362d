//! Every log line of the test process, captured so a test can look for personal data.

use super::*;

/// Everything every test logs, at every level, so a test can look for personal data.
static LOGS: std::sync::OnceLock<Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();

#[derive(Clone)]
struct LogSink(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts capturing logs (once per test process).
pub fn capture_logs() {
    LOGS.get_or_init(|| {
        let buf = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = LogSink(buf.clone());
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .try_init();
        buf
    });
}

/// What has been logged so far.
pub fn captured_logs() -> String {
    LOGS.get()
        .and_then(|b| {
            b.lock()
                .ok()
                .map(|v| String::from_utf8_lossy(&v).into_owned())
        })
        .unwrap_or_default()
}
