//! `nodepit lsp`: the language server. It publishes diagnostics as you type, links each to its
//! rule's interview answer, shows the answer on hover, and offers fixes and suppressions.
//!
//! The only crate that knows LSP types. Analysis runs off the protocol loop, on large-stack
//! threads, so no document can take the server down.

mod actions;
mod demo;
mod docs;
mod document;
mod folders;
mod server;
mod settings;
mod transport;

/// Serves LSP over stdin/stdout until the client says `exit`.
pub fn run_stdio() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let (input, output) = transport::stdio();
        let (service, socket) = tower_lsp_server::LspService::new(server::Backend::new);
        tower_lsp_server::Server::new(input, output, socket)
            .serve(service)
            .await;
    });
}
