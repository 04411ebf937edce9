//! The per-file semantic model every nodepit rule asks: parsing (which never fails: a program
//! plus its errors), line indexes, scope-resolved bindings, Node module resolution, function
//! facts, the request-handler table and the same-file call graph.
//!
//! This crate does no IO and knows nothing of diagnostics, configs or LSP.

mod build;
mod callbacks;
mod emitters;
mod empty;
mod errback;
mod handlers;
mod line_index;
mod model;
mod names;
mod origin;
mod parse;
mod redeclare;
mod streams;
pub mod summary;
mod values;

pub use callbacks::CallbackRef;
pub use emitters::{EmitterKind, NewSite};
pub use errback::{expr_mentions, is_core_errback, is_deferring_timer, stmt_mentions};
pub use handlers::{Framework, Handler, Reach};
pub use line_index::LineIndex;
pub use model::{
    span_range, Binding, BindingKind, CallSite, ClassId, FnId, FnInfo, FnNode, Imported, LoopRef,
    Model, StmtSite, ThisRef, TrySite,
};
pub use names::{
    callee_name, expr_label, is_nullish, member_name, method_call, normalize_module, static_string,
    unwrap_expr,
};
pub use origin::{Origin, OriginKind};
pub use parse::{analyze, analyze_timed, Comment, Depth, ParseError, PhaseTimes, SourceType};
pub use redeclare::Redeclaration;
pub use values::{Rejection, RejectionKind};
