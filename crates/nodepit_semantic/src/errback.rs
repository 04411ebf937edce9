//! Error-first callbacks: which Node core APIs call their function argument as `(err, …)`
//! later, and which timers defer a callback, for the callback-error rules. Every walk here covers
//! one function body, and only runs for a candidate.

use swc_ecma_ast::{CallExpr, Callee, Expr, Id, Pat, Stmt};

use crate::model::{FnId, Model};
use crate::names::{mentions, unwrap_expr};

/// Node core functions (as `module.name`) whose last argument is called back as
/// `(err, result)` once the work is done, never synchronously.
const CORE_ERRBACKS: &[(&str, &[&str])] = &[
    (
        "fs",
        &[
            "access",
            "appendFile",
            "chmod",
            "chown",
            "close",
            "copyFile",
            "cp",
            "fchmod",
            "fchown",
            "fdatasync",
            "fstat",
            "fsync",
            "ftruncate",
            "futimes",
            "lchmod",
            "lchown",
            "link",
            "lstat",
            "lutimes",
            "mkdir",
            "mkdtemp",
            "open",
            "opendir",
            "read",
            "readdir",
            "readFile",
            "readlink",
            "readv",
            "realpath",
            "rename",
            "rm",
            "rmdir",
            "stat",
            "statfs",
            "symlink",
            "truncate",
            "unlink",
            "utimes",
            "write",
            "writeFile",
            "writev",
        ],
    ),
    (
        "crypto",
        &[
            "randomBytes",
            "pseudoRandomBytes",
            "randomFill",
            "randomInt",
            "pbkdf2",
            "scrypt",
            "hkdf",
            "generateKeyPair",
            "generateKey",
            "generatePrime",
            "checkPrime",
        ],
    ),
    (
        "zlib",
        &[
            "gzip",
            "gunzip",
            "deflate",
            "inflate",
            "deflateRaw",
            "inflateRaw",
            "unzip",
            "brotliCompress",
            "brotliDecompress",
        ],
    ),
    (
        "dns",
        &[
            "lookup",
            "lookupService",
            "resolve",
            "resolve4",
            "resolve6",
            "resolveAny",
            "resolveCaa",
            "resolveCname",
            "resolveMx",
            "resolveNaptr",
            "resolveNs",
            "resolvePtr",
            "resolveSoa",
            "resolveSrv",
            "resolveTxt",
            "reverse",
        ],
    ),
    ("child_process", &["exec", "execFile"]),
    ("stream", &["pipeline", "finished"]),
];

/// Whether a qualified name (`fs.readFile`) is a Node core function that calls its last
/// argument back error-first. `fs.exists` is not one: its callback gets a boolean.
pub fn is_core_errback(q: &str) -> bool {
    if q == "util.callbackify()" {
        return true;
    }
    let Some((module, name)) = q.split_once('.') else {
        return false;
    };
    CORE_ERRBACKS
        .iter()
        .any(|(m, names)| *m == module && names.contains(&name))
}

/// Whether a qualified name is a timer or queue that runs its callback later, on its own stack.
pub fn is_deferring_timer(q: &str) -> bool {
    matches!(
        q,
        "setTimeout"
            | "setInterval"
            | "setImmediate"
            | "process.nextTick"
            | "queueMicrotask"
            | "timers.setTimeout"
            | "timers.setInterval"
            | "timers.setImmediate"
    )
}

impl<'a> Model<'a> {
    /// The qualified name of a call's callee when it is a Node core API that calls its last
    /// argument back error-first (`fs.readFile`, `crypto.pbkdf2`, a `util.callbackify` result).
    pub fn core_errback_call(&self, call: &CallExpr) -> Option<String> {
        let Callee::Expr(callee) = &call.callee else {
            return None;
        };
        let q = self.qual(callee)?;
        is_core_errback(&q).then_some(q)
    }

    /// The name bound by a function's parameter at `index`, when it is a plain identifier.
    pub fn param_id(&self, f: FnId, index: usize) -> Option<Id> {
        let params = self.function(f).node.params();
        let mut p = *params.get(index)?;
        while let Pat::Assign(a) = p {
            p = &a.left;
        }
        match p {
            Pat::Ident(b) => Some(b.id.to_id()),
            _ => None,
        }
    }

    /// Whether a function's body (nested functions included) mentions a name.
    pub fn fn_mentions(&self, f: FnId, id: &Id) -> bool {
        let node = self.function(f).node;
        if let Some(e) = node.expr_body() {
            return mentions(e, id);
        }
        node.body_stmts()
            .is_some_and(|stmts| stmts.iter().any(|s| mentions(s, id)))
    }

    /// Whether an expression is the identifier `id`.
    pub fn is_ident(&self, e: &Expr, id: &Id) -> bool {
        matches!(unwrap_expr(e), Expr::Ident(i) if i.to_id() == *id)
    }
}

/// Whether a statement mentions a name anywhere inside it.
pub fn stmt_mentions(s: &Stmt, id: &Id) -> bool {
    mentions(s, id)
}

/// Whether an expression mentions a name anywhere inside it.
pub fn expr_mentions(e: &Expr, id: &Id) -> bool {
    mentions(e, id)
}

#[cfg(test)]
mod tests {
    use super::{is_core_errback, is_deferring_timer};

    #[test]
    fn core_errbacks_by_qualified_name() {
        assert!(is_core_errback("fs.readFile"));
        assert!(is_core_errback("crypto.pbkdf2"));
        assert!(is_core_errback("child_process.exec"));
        assert!(!is_core_errback("fs.exists"));
        assert!(!is_core_errback("fs.readFileSync"));
        assert!(!is_core_errback("fs.promises.readFile"));
        assert!(!is_core_errback("child_process.spawn"));
        assert!(is_deferring_timer("process.nextTick"));
        assert!(!is_deferring_timer("setTimeoutLater"));
    }
}
