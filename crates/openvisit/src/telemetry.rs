//! Traces to an OpenTelemetry collector (`--otlp-endpoint`, or the standard
//! `OTEL_EXPORTER_OTLP_ENDPOINT`): every request's span (its id, method and route) and the
//! database and media spans inside it, sent over OTLP/HTTP (JSON) in batches. Off unless
//! asked for; the log lines are unchanged either way.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;

/// The exporter's provider (kept to flush what is buffered when the process ends) and the
/// tracing layer that feeds it.
pub struct Telemetry {
    pub provider: SdkTracerProvider,
}

impl Telemetry {
    /// Sends traces to the collector at `endpoint` (`http://collector:4318`).
    pub fn to_collector(endpoint: &str) -> anyhow::Result<Telemetry> {
        let exporter = SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpJson)
            .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
            .build()?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(Resource::builder().with_service_name("openvisit").build())
            .build();
        Ok(Telemetry { provider })
    }

    /// The layer that turns tracing spans into OpenTelemetry spans.
    pub fn layer<S>(&self) -> impl tracing_subscriber::Layer<S> + use<S>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        tracing_opentelemetry::layer().with_tracer(self.provider.tracer("openvisit"))
    }

    /// Sends what is still buffered; a collector that is gone is only logged.
    pub fn flush(self) {
        if let Err(e) = self.provider.shutdown() {
            eprintln!("could not send the last traces: {e}");
        }
    }
}
