//! A guard between stdio and tower-lsp-server.
//!
//! tower-lsp-server stops reading input for good after one malformed message (its framed reader
//! ends on the first decode error), so a client that sends garbage once would be left talking to
//! a deaf server. This layer frames stdin itself, answers malformed messages with JSON-RPC errors,
//! and passes only well-formed ones on. Output from the server and these error replies are written
//! to stdout whole, one frame at a time.

use std::io::{BufRead, BufReader, Read, Write};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;

/// Largest message accepted; anything bigger is answered with an error and skipped.
const MAX_MESSAGE: usize = 256 * 1024 * 1024;

/// Bytes the pipes between the pumps and the server hold.
const PIPE_SIZE: usize = 64 * 1024;

/// Starts the stdin and stdout pumps; returns the server's ends of the two pipes.
pub fn stdio() -> (DuplexStream, DuplexStream) {
    pipes(std::io::stdin(), std::io::stdout())
}

/// [`stdio`] on any byte source and sink (the fuzz targets feed it bytes in memory).
pub fn pipes<R, W>(input: R, mut output: W) -> (DuplexStream, DuplexStream)
where
    R: Read + Send + 'static,
    W: Write + Send + 'static,
{
    // Small pipes: a large message passes in several writes, where a larger pipe's buffer
    // grew (to 3 MB in the soak) and kept that size for the life of the server.
    let (server_in, mut input_writer) = tokio::io::duplex(PIPE_SIZE);
    let (output_reader, server_out) = tokio::io::duplex(PIPE_SIZE);
    let (frames_tx, mut frames_rx) = mpsc::unbounded_channel::<Vec<u8>>();

    // stdin → validated frames → server input; errors → stdout. The reading thread writes
    // each frame into the server's input itself, so a message's buffers are freed on the
    // thread that allocated them, where the allocator can reuse and give back their pages.
    let errors = frames_tx.clone();
    let runtime = tokio::runtime::Handle::current();
    std::thread::spawn(move || {
        let mut deliver = |body: &[u8]| {
            let header = format!("Content-Length: {}\r\n\r\n", body.len());
            runtime
                .block_on(async {
                    input_writer.write_all(header.as_bytes()).await?;
                    input_writer.write_all(body).await
                })
                .is_ok()
        };
        read_frames(input, &mut deliver, &errors);
        // stdin closed: close the server's input so it can finish.
        let _ = runtime.block_on(input_writer.shutdown());
    });

    // Server output → whole frames → stdout.
    tokio::spawn(async move {
        let mut reader = output_reader;
        let mut buf = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            while let Some((start, len)) = complete_frame(&buf) {
                let body = buf[start..start + len].to_vec();
                buf.drain(..start + len);
                if frames_tx.send(body).is_err() {
                    return;
                }
            }
        }
    });
    std::thread::spawn(move || {
        while let Some(body) = frames_rx.blocking_recv() {
            // One write per frame: stdout locks for each call, so frames never interleave.
            let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
            frame.extend_from_slice(&body);
            if output.write_all(&frame).is_err() || output.flush().is_err() {
                return;
            }
            // As the reader does: this thread may wait long for the next message.
            if frame.len() >= RELEASE_AFTER_BYTES {
                drop((frame, body));
                crate::release_memory();
            }
        }
    });
    (server_in, server_out)
}

/// Where the body of the first complete frame in `buf` starts, and its length.
fn complete_frame(buf: &[u8]) -> Option<(usize, usize)> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let len = content_length(&buf[..end])?;
    let start = end + 4;
    (buf.len() >= start + len).then_some((start, len))
}

fn content_length(headers: &[u8]) -> Option<usize> {
    std::str::from_utf8(headers)
        .ok()?
        .split("\r\n")
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())
                .flatten()
        })
}

/// Messages at least this large (a document's whole text, a fix of the whole file) are followed
/// by giving the pumping thread's freed memory back: it then waits, maybe for minutes.
const RELEASE_AFTER_BYTES: usize = 256 * 1024;

/// Reads frames until the input ends or `deliver` fails, handing each well-formed message to
/// `deliver` and answering the others through `errors`.
fn read_frames(
    input: impl Read,
    deliver: &mut impl FnMut(&[u8]) -> bool,
    errors: &mpsc::UnboundedSender<Vec<u8>>,
) {
    let mut reader = BufReader::new(input);
    loop {
        let mut headers = Vec::new();
        let mut len = None;
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            let trimmed = text.trim_end_matches(['\r', '\n']);
            if trimmed.is_empty() {
                if headers.is_empty() {
                    continue;
                }
                break;
            }
            if let Some((name, value)) = trimmed.split_once(':') {
                if name.trim().eq_ignore_ascii_case("content-length") {
                    len = value.trim().parse::<usize>().ok();
                }
            }
            headers.push(trimmed.to_string());
        }
        let Some(len) = len.filter(|l| *l <= MAX_MESSAGE) else {
            let _ = errors.send(error_body(
                -32700,
                "Parse error: missing or invalid Content-Length",
                Value::Null,
            ));
            continue;
        };
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        match check(&body) {
            Ok(()) => {
                if !deliver(&body) {
                    return;
                }
            }
            Err(reply) => {
                let _ = errors.send(reply);
            }
        }
        if body.len() >= RELEASE_AFTER_BYTES {
            drop(body);
            crate::release_memory();
        }
    }
}

/// Whether a body is a JSON-RPC message tower-lsp-server can decode; otherwise the error reply.
fn check(body: &[u8]) -> Result<(), Vec<u8>> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Err(error_body(-32700, "Parse error", Value::Null));
    };
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    let valid_id = matches!(id, Value::Null | Value::Number(_) | Value::String(_));
    let is_request = value.get("method").is_some_and(Value::is_string)
        && value
            .get("params")
            .is_none_or(|p| p.is_object() || p.is_array() || p.is_null());
    let is_response = value.get("id").is_some()
        && (value.get("result").is_some() || value.get("error").is_some());
    if value.get("jsonrpc") == Some(&Value::String("2.0".into()))
        && valid_id
        && (is_request || is_response)
    {
        Ok(())
    } else {
        Err(error_body(
            -32600,
            "Invalid Request",
            if valid_id { id } else { Value::Null },
        ))
    }
}

fn error_body(code: i64, message: &str, id: Value) -> Vec<u8> {
    serde_json::json!({"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": id})
        .to_string()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_messages() {
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"x","params":{}}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","method":"x"}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"result":null}"#).is_ok());
        assert!(check(br#"{"jsonrpc": "2.0", "id": 9, "method": "#).is_err());
        assert!(check(br#"{"foo":1}"#).is_err());
        assert!(check(b"\xff\xfe").is_err());
        assert!(check(br#"{"jsonrpc":"2.0","id":{},"method":"x"}"#).is_err());
        assert_eq!(
            complete_frame(b"Content-Length: 2\r\n\r\n{}rest"),
            Some((21, 2))
        );
        assert_eq!(complete_frame(b"Content-Length: 9\r\n\r\n{}"), None);
    }
}
