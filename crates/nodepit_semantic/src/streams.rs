//! Which expressions are Node streams.

use swc_ecma_ast::*;

use crate::handlers::Framework;
use crate::model::*;
use crate::names::{member_name, method_call, unwrap_expr};

impl Model<'_> {
    /// Whether an expression is a Node stream: created by a stream factory of Node's modules (or
    /// a well-known stream package), a `stream` class or a local subclass of one, `process.stdio`,
    /// a socket or HTTP message, or the request/response parameters of a handler.
    pub fn is_stream(&self, e: &Expr) -> bool {
        self.stream_at(e, 0)
    }

    fn stream_at(&self, e: &Expr, depth: u32) -> bool {
        if depth > 12 {
            return false;
        }
        let e = unwrap_expr(e);
        match e {
            Expr::Call(c) => {
                // `a.pipe(b)` evaluates to `b`.
                if let Callee::Expr(callee) = &c.callee {
                    if let Expr::Member(m) = unwrap_expr(callee) {
                        if member_name(&m.prop) == Some("pipe") {
                            if let Some(dest) = c.args.first() {
                                return self.stream_at(&dest.expr, depth + 1);
                            }
                        }
                    }
                }
                // `s.on('error', f)` evaluates to `s`.
                if let Some(recv) = self.chained_receiver(c) {
                    return self.stream_at(recv, depth + 1);
                }
            }
            Expr::New(n) => {
                if let Some(c) = self.class_of(&n.callee) {
                    if self.class_is_stream(c) {
                        return true;
                    }
                }
            }
            Expr::Ident(id) => {
                if let Some(BindingKind::Param {
                    func,
                    index,
                    destructured: false,
                }) = self.binding(id).map(|b| &b.kind)
                {
                    return self.param_is_stream(*func, *index);
                }
                if self
                    .const_init(id)
                    .is_some_and(|init| self.stream_at(init, depth + 1))
                {
                    return true;
                }
            }
            Expr::Member(m) => {
                if let (Expr::Ident(obj), Some(prop)) = (unwrap_expr(&m.obj), member_name(&m.prop))
                {
                    if let Some(BindingKind::Param {
                        func,
                        index: 0,
                        destructured: false,
                    }) = self.binding(obj).map(|b| &b.kind)
                    {
                        if let Some((h, _)) = self
                            .handler_reaching(*func)
                            .filter(|(h, _)| h.func == *func)
                        {
                            // Koa's `ctx.req`/`ctx.res`, Fastify's `request.raw`.
                            let raw = match h.framework {
                                Framework::Koa | Framework::KoaRouter => {
                                    matches!(prop, "req" | "res")
                                }
                                Framework::Fastify => prop == "raw",
                                _ => false,
                            };
                            if raw {
                                return true;
                            }
                        }
                    }
                    if let Some(BindingKind::Param {
                        func,
                        index: 1,
                        destructured: false,
                    }) = self.binding(obj).map(|b| &b.kind)
                    {
                        if self.handler_reaching(*func).is_some_and(|(h, _)| {
                            h.func == *func && h.framework == Framework::Fastify
                        }) {
                            return prop == "raw";
                        }
                    }
                }
            }
            _ => {}
        }
        self.qual(e).is_some_and(|q| is_stream_qual(&q))
    }

    /// The receiver of a call to a stream method that returns its receiver, such as
    /// `s.on('error', f)` or `s.setEncoding('utf8')`: the call's value is `s` itself when `s` is
    /// a stream (or an emitter). Says nothing about whether `s` is a stream.
    pub fn chained_receiver<'e>(&self, call: &'e CallExpr) -> Option<&'e Expr> {
        let (m, name) = method_call(call)?;
        returns_receiver(name).then_some(&*m.obj)
    }

    fn class_is_stream(&self, c: ClassId) -> bool {
        let mut class = Some(c);
        for _ in 0..8 {
            let Some(sup) = self.class(class.unwrap_or(c)).node.super_class.as_deref() else {
                return false;
            };
            if self.qual(sup).is_some_and(|q| is_stream_class(&q)) {
                return true;
            }
            class = self.class_of(sup);
            if class.is_none() {
                return false;
            }
        }
        false
    }

    fn param_is_stream(&self, func: FnId, index: usize) -> bool {
        let info = self.function(func);
        if let Some((h, _)) = self.handler_reaching(func).filter(|(h, _)| h.func == func) {
            let node = info.node;
            // Express error middleware takes `(err, req, res, next)`.
            let first = if node.param_count() == 4 { 1 } else { 0 };
            return match h.framework {
                Framework::Http | Framework::Express => index == first || index == first + 1,
                Framework::Inferred => {
                    matches!(node.param_name(first), Some("req" | "request"))
                        && (index == first || index == first + 1)
                }
                _ => false,
            };
        }
        // The response of `http.get(url, (res) => …)` and the socket of `net.createServer((s) => …)`.
        let Some((call, _)) = info.passed_to else {
            return false;
        };
        index == 0
            && self
                .callee_qual(self.calls[call as usize].node)
                .is_some_and(|q| {
                    matches!(
                        q.as_str(),
                        "http.get"
                            | "http.request"
                            | "https.get"
                            | "https.request"
                            | "net.createServer"
                            | "tls.createServer"
                    )
                })
    }
}

/// Methods of emitters, streams, sockets and outgoing HTTP messages that return `this`.
fn returns_receiver(method: &str) -> bool {
    matches!(
        method,
        "on" | "once"
            | "addListener"
            | "prependListener"
            | "prependOnceListener"
            | "off"
            | "removeListener"
            | "removeAllListeners"
            | "setMaxListeners"
            | "setEncoding"
            | "setDefaultEncoding"
            | "pause"
            | "resume"
            | "unpipe"
            | "setTimeout"
            | "setNoDelay"
            | "setKeepAlive"
            | "ref"
            | "unref"
            | "setHeader"
            | "writeHead"
    )
}

fn is_stream_class(q: &str) -> bool {
    matches!(
        q,
        "stream"
            | "stream.Stream"
            | "stream.Readable"
            | "stream.Writable"
            | "stream.Duplex"
            | "stream.Transform"
            | "stream.PassThrough"
    )
}

/// Qualified names of stream values.
fn is_stream_qual(q: &str) -> bool {
    if matches!(q, "process.stdin" | "process.stdout" | "process.stderr") {
        return true;
    }
    // `spawn(…).stdout` and friends.
    if let Some((base, field)) = q.rsplit_once("().") {
        return matches!(field, "stdout" | "stderr" | "stdin")
            && matches!(
                base,
                "child_process.spawn"
                    | "child_process.exec"
                    | "child_process.execFile"
                    | "child_process.fork"
            );
    }
    let Some(made_by) = q.strip_suffix("()") else {
        return false;
    };
    if made_by.contains("()") {
        return false;
    }
    if let Some(rest) = made_by.strip_prefix("stream.") {
        return !rest.starts_with("promises")
            && !matches!(rest, "pipeline" | "finished" | "compose" | "addAbortSignal");
    }
    if let Some(f) = made_by.strip_prefix("zlib.") {
        return f.starts_with("create");
    }
    if let Some(f) = made_by.strip_prefix("crypto.") {
        return matches!(
            f,
            "createCipheriv"
                | "createDecipheriv"
                | "createCipher"
                | "createDecipher"
                | "createHash"
                | "createHmac"
                | "createSign"
                | "createVerify"
        );
    }
    matches!(
        made_by,
        "stream"
            | "fs.createReadStream"
            | "fs.createWriteStream"
            | "fs.ReadStream"
            | "fs.WriteStream"
            | "net.connect"
            | "net.createConnection"
            | "net.Socket"
            | "tls.connect"
            | "http.request"
            | "http.get"
            | "https.request"
            | "https.get"
            | "through2"
            | "through2.obj"
            | "split2"
            | "archiver"
            | "tar.c"
            | "tar.x"
            | "tar.t"
            | "tar.create"
            | "tar.extract"
            | "csv-parser"
            | "csv-parse"
            | "csv-parse.parse"
            | "csv-stringify"
            | "csv-stringify.stringify"
            | "busboy"
            | "unzipper.Extract"
            | "unzipper.Parse"
            | "JSONStream.parse"
            | "JSONStream.stringify"
            | "ndjson.parse"
            | "ndjson.stringify"
            | "sharp"
    )
}

#[cfg(test)]
mod tests {
    use crate::{analyze, SourceType};

    /// Whether the first argument of each `.pipe(...)` call is a stream, in source order.
    fn pipe_args_are_streams(src: &str) -> Vec<bool> {
        analyze(src, SourceType::Js, |model, errors, _| {
            assert!(errors.is_empty(), "{errors:?}");
            let model = model.expect("parses");
            model
                .calls()
                .iter()
                .filter(|c| crate::method_call(c.node).is_some_and(|(_, name)| name == "pipe"))
                .map(|c| model.is_stream(&c.node.args[0].expr))
                .collect()
        })
    }

    #[test]
    fn listener_registration_keeps_the_stream() {
        let found = pipe_args_are_streams(
            "const fs = require('fs');
             const zlib = require('zlib');
             entry.pipe(fs.createWriteStream(p).on('error', onError));
             entry.pipe(zlib.createGunzip().once('end', done).setEncoding('utf8'));
             const out = fs.createWriteStream(p).on('close', done);
             entry.pipe(out);
             entry.pipe(gulp.dest('dist').on('error', onError));
             entry.pipe(emitter.on('data', onData));
             entry.pipe(fs.createWriteStream(p).write('x'));",
        );
        assert_eq!(found, [true, true, true, false, false, false]);
    }
}
