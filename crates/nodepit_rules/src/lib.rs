//! nodepit's rules, one file each, and the registry that lists them.
//!
//! A rule asks the semantic model what names mean; it never matches on spelling alone.

mod error_middleware_last;
mod exit_on_uncaught_exception;
mod handle_callback_error;
mod no_async_foreach;
mod no_async_predicate;
mod no_async_route_without_catch;
mod no_floating_promise;
mod no_process_exit_in_handler;
mod no_recursive_next_tick;
mod no_swallowed_error;
mod no_sync_in_handler;
mod no_try_catch_async_callback;
mod no_unbounded_promise_all;
mod no_unhandled_async_callback;
mod prefer_pipeline;
mod quiet;
mod reach;

use nodepit_analyzer::RuleEntry;

pub use error_middleware_last::ErrorMiddlewareLast;
pub use exit_on_uncaught_exception::ExitOnUncaughtException;
pub use handle_callback_error::HandleCallbackError;
pub use no_async_foreach::NoAsyncForeach;
pub use no_async_predicate::NoAsyncPredicate;
pub use no_async_route_without_catch::NoAsyncRouteWithoutCatch;
pub use no_floating_promise::NoFloatingPromise;
pub use no_process_exit_in_handler::NoProcessExitInHandler;
pub use no_recursive_next_tick::NoRecursiveNextTick;
pub use no_swallowed_error::NoSwallowedError;
pub use no_sync_in_handler::NoSyncInHandler;
pub use no_try_catch_async_callback::NoTryCatchAsyncCallback;
pub use no_unbounded_promise_all::NoUnboundedPromiseAll;
pub use no_unhandled_async_callback::NoUnhandledAsyncCallback;
pub use prefer_pipeline::PreferPipeline;

/// Every rule, sorted by id.
pub const REGISTRY: &[RuleEntry] = &[
    ErrorMiddlewareLast::ENTRY,
    ExitOnUncaughtException::ENTRY,
    HandleCallbackError::ENTRY,
    NoAsyncForeach::ENTRY,
    NoAsyncPredicate::ENTRY,
    NoAsyncRouteWithoutCatch::ENTRY,
    NoFloatingPromise::ENTRY,
    NoProcessExitInHandler::ENTRY,
    NoRecursiveNextTick::ENTRY,
    NoSwallowedError::ENTRY,
    NoSyncInHandler::ENTRY,
    NoTryCatchAsyncCallback::ENTRY,
    NoUnboundedPromiseAll::ENTRY,
    NoUnhandledAsyncCallback::ENTRY,
    PreferPipeline::ENTRY,
];

/// The registry entry of a rule id.
/// The JSON Schema of a rule's options (its fields), for the `nodepit.toml` schema; `None` for a
/// rule without options (a test checks this list against what each rule accepts).
pub fn options_schema(id: &str) -> Option<schemars::Schema> {
    Some(match id {
        "no-floating-promise" => schemars::schema_for!(NoFloatingPromise),
        "no-unbounded-promise-all" => schemars::schema_for!(NoUnboundedPromiseAll),
        _ => return None,
    })
}

pub fn find(id: &str) -> Option<&'static RuleEntry> {
    REGISTRY.iter().find(|e| e.meta.id == id)
}
