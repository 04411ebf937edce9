//! `nodepit lsp`: the language server. It publishes diagnostics as you type, links each to its
//! rule's interview answer, shows the answer on hover, and offers fixes and suppressions.
//!
//! The only crate that knows LSP types. The protocol loop runs on one thread; analysis runs
//! off it, on long-lived large-stack threads, so no document can take the server down.

mod actions;
mod demo;
mod docs;
mod document;
mod folders;
mod server;
mod settings;
mod transport;

static RELEASE_MEMORY: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets what the server calls, on each thread that allocates, once it idles (and the stdio
/// pumps after a large message), for the binary's allocator to give back the pages freed there.
/// The allocator returns a thread's freed pages on a delay, checked only when that thread enters
/// it again: without this, the anonymous memory of the soak (tests/bench/lsp_soak.py) sat near
/// 100 MB (see tests/bench/README.md).
pub fn set_release_memory(release: fn()) {
    let _ = RELEASE_MEMORY.set(release);
}

pub(crate) fn release_memory() {
    if let Some(release) = RELEASE_MEMORY.get() {
        release();
    }
}

/// Serves LSP over stdin/stdout until the client says `exit`.
pub fn run_stdio() {
    let runtime = protocol_runtime();
    runtime.block_on(async {
        let (service, socket) = tower_lsp_server::LspService::new(server::Backend::new);
        transport::serve_stdio(service, socket).await;
    });
}

/// Serves LSP on `input`, the bytes a client would write to stdin, through the same guard as
/// [`run_stdio`], until the input ends; returns what the server wrote by then. For the fuzz
/// targets (fuzz/), which need the whole server in process.
#[doc(hidden)]
pub fn serve_bytes(input: Vec<u8>) -> Vec<u8> {
    use std::sync::{Arc, Mutex};

    /// A sink the output pump writes to and the caller reads afterwards.
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let out = Arc::new(Mutex::new(Vec::new()));
    let runtime = protocol_runtime();
    let sink = Shared(out.clone());
    runtime.block_on(async move {
        let (service, socket) = tower_lsp_server::LspService::new(server::Backend::new);
        transport::serve(std::io::Cursor::new(input), sink, service, socket).await;
    });
    // Waits for analysis still running, so its panics are blamed on this input.
    runtime.shutdown_timeout(std::time::Duration::from_secs(10));
    let bytes = out.lock().map(|v| v.clone()).unwrap_or_default();
    bytes
}

/// The runtime of the protocol loop: one thread, as analyses run on their own threads. One
/// thread also means one allocator heap to give back when the server idles.
fn protocol_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}
