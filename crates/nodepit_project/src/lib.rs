//! The project: module resolution through a small file-system trait (so the language server can
//! overlay open documents), the module graph linking every file's [`Summary`], and the facts
//! that cross file boundaries (which functions handlers reach, which exports return promises,
//! what callers in other files pass in).
//!
//! No parsing and no diagnostics: files come in as summaries, questions go out as answers.

mod graph;
mod paths;
mod resolve;

pub use graph::{ArgEvidence, CalleeFacts, FnRef, HandlerRef, Hop, Loc, Project, Reached};
pub use nodepit_semantic::summary::Summary;
pub use paths::sort_path_bufs;
pub use resolve::{FileSystem, OsFs, Resolver};
