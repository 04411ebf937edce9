//! The protocol loop between stdio and tower-lsp-server's service.
//!
//! tower-lsp-server's own `Server` stops reading input for good after one malformed message (its
//! framed reader ends on the first decode error), so a client that sends garbage once would be
//! left talking to a deaf server; and its read buffer, which moves unread bytes back to its
//! start only when more has been consumed than is left, can grow to about twice the largest
//! message and keep that size (a 1 MB step in the soak's memory, tests/bench/README.md). So
//! this module frames stdin itself, answers malformed messages with JSON-RPC errors, reads each
//! well-formed message into a buffer of its own size, and drives the service as `Server` would:
//! requests in order, up to four answered at once, and the server's own requests and
//! notifications written to stdout whole, one frame at a time.

use std::io::{BufRead, BufReader, Read, Write};

use futures::{stream, FutureExt, SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{self, Id, Request, Response};
use tower_lsp_server::{ClientSocket, LspService};
use tower_service::Service;

use crate::server::Backend;

/// Largest message accepted; anything bigger is answered with an error and skipped.
const MAX_MESSAGE: usize = 256 * 1024 * 1024;

/// Bytes the pipe between the stdin pump and the protocol loop holds.
const PIPE_SIZE: usize = 64 * 1024;

/// Requests answered at once, and requests queued before reading waits: `Server`'s defaults.
const MAX_CONCURRENCY: usize = 4;
const QUEUE_SIZE: usize = 100;

/// A JSON-RPC message either way, in tower-lsp-server's shape: a response is tried first, as
/// it does.
#[derive(Deserialize, Serialize)]
#[serde(untagged)]
enum Message {
    Response(Response),
    Request(Request),
}

/// Serves `service` on stdin and stdout until the client says `exit` or stdin ends.
pub async fn serve_stdio(service: LspService<Backend>, socket: ClientSocket) {
    serve(std::io::stdin(), std::io::stdout(), service, socket).await;
}

/// [`serve_stdio`] on any byte source and sink (the fuzz targets feed it bytes in memory).
pub async fn serve<R, W>(
    input: R,
    mut output: W,
    mut service: LspService<Backend>,
    socket: ClientSocket,
) where
    R: Read + Send + 'static,
    W: Write + Send + 'static,
{
    // Small pipe: a large message passes in several writes.
    let (mut server_in, mut input_writer) = tokio::io::duplex(PIPE_SIZE);
    let (frames_tx, mut frames_rx) = mpsc::unbounded_channel::<Vec<u8>>();

    // stdin → validated messages → the loop; errors → stdout. The reading thread writes each
    // message into the pipe itself, so a message's buffers are freed on the thread that
    // allocated them, where the allocator can reuse and give back their pages.
    let errors = frames_tx.clone();
    let runtime = tokio::runtime::Handle::current();
    std::thread::spawn(move || {
        let mut deliver = |body: &[u8]| {
            runtime
                .block_on(async {
                    input_writer.write_u64(body.len() as u64).await?;
                    input_writer.write_all(body).await
                })
                .is_ok()
        };
        read_frames(input, &mut deliver, &errors);
        // stdin closed: close the loop's input so it can finish.
        let _ = runtime.block_on(input_writer.shutdown());
    });

    // Whole frames → stdout.
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

    let write = |message: &Message| {
        if let Ok(body) = serde_json::to_vec(message) {
            let _ = frames_tx.send(body);
        }
    };
    let (client_requests, mut client_responses) = socket.split();
    let (client_requests, stop_client) = stream::abortable(client_requests);
    let (mut tasks_tx, tasks_rx) = futures::channel::mpsc::channel(QUEUE_SIZE);

    let answer =
        tasks_rx
            .buffer_unordered(MAX_CONCURRENCY)
            .for_each(|response: Option<Response>| {
                if let Some(response) = response {
                    write(&Message::Response(response));
                }
                std::future::ready(())
            });
    let forward = client_requests.for_each(|request| {
        write(&Message::Request(request));
        std::future::ready(())
    });
    let read = async {
        while let Some(body) = read_body(&mut server_in).await {
            match serde_json::from_slice::<Message>(&body) {
                Ok(Message::Request(request)) => {
                    if std::future::poll_fn(|cx| service.poll_ready(cx))
                        .await
                        .is_err()
                    {
                        break;
                    }
                    let exit = request.method() == "exit";
                    let task = service.call(request).map(Result::unwrap_or_default);
                    if tasks_tx.send(task).await.is_err() || exit {
                        break;
                    }
                }
                Ok(Message::Response(response)) => {
                    if client_responses.send(response).await.is_err() {
                        break;
                    }
                }
                // JSON the guard let through but that fits neither shape (a request whose
                // `params` is of the wrong type): `Server` answers these the same way.
                Err(err) => {
                    let error = if err.is_data() {
                        jsonrpc::Error::invalid_request()
                    } else {
                        jsonrpc::Error::parse_error()
                    };
                    write(&Message::Response(Response::from_error(Id::Null, error)));
                }
            }
        }
        tasks_tx.disconnect();
        stop_client.abort();
    };
    futures::join!(answer, forward, read);
}

/// The next message the stdin pump wrote: a length, then that many bytes.
async fn read_body(input: &mut tokio::io::DuplexStream) -> Option<Vec<u8>> {
    let len = usize::try_from(input.read_u64().await.ok()?).ok()?;
    let mut body = vec![0; len];
    input.read_exact(&mut body).await.ok()?;
    Some(body)
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
    }
}
