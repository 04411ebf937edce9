//! The language server's transport and dispatcher on arbitrary bytes: framed and unframed,
//! valid and broken JSON-RPC, through the same guard as `nodepit lsp` on stdin.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    std::env::set_var("NODEPIT_LSP_DEBOUNCE_MS", "0");
    let out = nodepit_lsp::serve_bytes(data.to_vec());
    // Whatever came in, what goes out is whole frames.
    let mut rest = &out[..];
    while !rest.is_empty() {
        let end = rest.windows(4).position(|w| w == b"\r\n\r\n").expect("header end");
        let header = std::str::from_utf8(&rest[..end]).expect("ascii header");
        let len: usize = header
            .strip_prefix("Content-Length: ")
            .and_then(|n| n.parse().ok())
            .expect("content length");
        let body = &rest[end + 4..end + 4 + len];
        serde_json::from_slice::<serde_json::Value>(body).expect("json body");
        rest = &rest[end + 4 + len..];
    }
});
