//! Parsing with swc and running its resolver, inside the hygiene globals the marks need.

use std::path::Path;

use swc_common::{
    comments::{CommentKind, SingleThreadedComments},
    BytePos, Globals, Mark, Spanned, SyntaxContext, GLOBALS,
};
use swc_ecma_ast::{EsVersion, Program};
use swc_ecma_parser::{lexer::Lexer, EsSyntax, Parser, StringInput, Syntax, TsSyntax};
use swc_ecma_transforms_base::resolver;
use swc_ecma_visit::VisitMutWith;

use crate::model::Model;

/// The dialect a file is parsed as, derived from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceType {
    /// `.js`, `.jsx`, `.cjs`: JavaScript with JSX allowed.
    Js,
    /// `.mjs`: always an ES module.
    Mjs,
    /// `.ts`, `.cts`.
    Ts,
    /// `.mts`: always an ES module.
    Mts,
    /// `.tsx`.
    Tsx,
    /// `.d.ts`, `.d.mts`, `.d.cts`: TypeScript declarations, parsed in declaration mode.
    Dts,
}

impl SourceType {
    /// The dialect for a path, or `None` when nodepit does not lint that extension. Directory
    /// walks lint only these; declaration files give `None` because they hold no runtime code.
    pub fn from_path(path: &Path) -> Option<Self> {
        if is_declaration(path) {
            return None;
        }
        match path.extension()?.to_str()? {
            "js" | "jsx" | "cjs" => Some(Self::Js),
            "mjs" => Some(Self::Mjs),
            "ts" | "cts" => Some(Self::Ts),
            "mts" => Some(Self::Mts),
            "tsx" => Some(Self::Tsx),
            _ => None,
        }
    }

    /// The dialect to parse a file as when it is linted by name (a path on the command line, a
    /// pre-commit hook, an editor buffer): declaration files as declarations, so they get no
    /// spurious syntax errors, and unknown extensions as JavaScript.
    pub fn for_file(path: &Path) -> Self {
        if is_declaration(path) {
            return Self::Dts;
        }
        Self::from_path(path).unwrap_or(Self::Js)
    }

    fn syntax(self) -> Syntax {
        match self {
            Self::Js | Self::Mjs => Syntax::Es(EsSyntax {
                jsx: true,
                decorators: true,
                // Babel's legacy decorators and the current proposal both allow `@dec export
                // class`; TypeScript allows it always.
                decorators_before_export: true,
                allow_return_outside_function: true,
                ..Default::default()
            }),
            Self::Ts | Self::Mts | Self::Tsx | Self::Dts => Syntax::Typescript(TsSyntax {
                tsx: self == Self::Tsx,
                decorators: true,
                dts: self == Self::Dts,
                ..Default::default()
            }),
        }
    }

    /// Whether the dialect is TypeScript (type-only names may sit beside values).
    pub fn is_typescript(self) -> bool {
        matches!(self, Self::Ts | Self::Mts | Self::Tsx | Self::Dts)
    }

    fn forces_module(self) -> bool {
        matches!(self, Self::Mjs | Self::Mts)
    }
}

fn is_declaration(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".d.ts") || n.ends_with(".d.mts") || n.ends_with(".d.cts"))
}

/// A syntax error at a byte range of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offsets into the source text.
    pub range: std::ops::Range<usize>,
    /// swc's description of the error.
    pub message: String,
}

/// A comment of the source, with its byte range and text (without the `//` or `/* */`).
#[derive(Debug, Clone)]
pub struct Comment {
    /// Byte offsets of the whole comment.
    pub range: std::ops::Range<usize>,
    /// Whether it is a `/* */` comment.
    pub block: bool,
    /// The text between the delimiters.
    pub text: String,
}

/// Spans are offset by one so that no real node sits at swc's dummy position 0.
pub(crate) const BASE: u32 = 1;

/// How far [`analyze_timed`] goes before handing over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Parse only: syntax errors and comments, no model.
    Parse,
    /// Parse and run swc's resolver, no model: the floor any swc-based linter pays.
    Resolve,
    /// Everything: the model rules run on.
    Model,
}

/// Parses `text`, resolves its scopes and hands the model to `f`.
///
/// Everything that touches swc's hygiene data must run inside this call, so the model is only
/// lent to `f`. A fatal parse error gives `f` no model; recoverable errors come with one.
pub fn analyze<R>(
    text: &str,
    source_type: SourceType,
    f: impl FnOnce(Option<&Model<'_>>, &[ParseError], &[Comment]) -> R,
) -> R {
    analyze_timed(
        text,
        source_type,
        &mut PhaseTimes::default(),
        Depth::Model,
        f,
    )
}

/// Time spent in each phase of [`analyze`], for `--stats`.
#[derive(Debug, Default, Clone, Copy)]
pub struct PhaseTimes {
    /// Lexing and parsing.
    pub parse: std::time::Duration,
    /// swc's resolver (scopes).
    pub resolve: std::time::Duration,
    /// Building the model (the one walk).
    pub model: std::time::Duration,
}

/// [`analyze`], adding the time of each phase to `times`, and stopping at `depth` (below
/// [`Depth::Model`], `f` gets no model).
pub fn analyze_timed<R>(
    text: &str,
    source_type: SourceType,
    times: &mut PhaseTimes,
    depth: Depth,
    f: impl FnOnce(Option<&Model<'_>>, &[ParseError], &[Comment]) -> R,
) -> R {
    let start = std::time::Instant::now();
    GLOBALS.set(&Globals::new(), || {
        let comments = SingleThreadedComments::default();
        let end = BASE + u32::try_from(text.len()).unwrap_or(u32::MAX - BASE);
        let input = StringInput::new(text, BytePos(BASE), BytePos(end));
        let lexer = Lexer::new(
            source_type.syntax(),
            EsVersion::latest(),
            input,
            Some(&comments),
        );
        let mut parser = Parser::new_from(lexer);
        let result = if source_type.forces_module() {
            parser.parse_module().map(Program::Module)
        } else {
            parser.parse_program()
        };
        let mut errors: Vec<ParseError> = parser.take_errors().into_iter().map(to_error).collect();
        let all_comments = collect_comments(comments);
        let program = match result {
            Ok(program) => program,
            Err(err) => {
                errors.insert(0, to_error(err));
                return f(None, &errors, &all_comments);
            }
        };
        let parsed = std::time::Instant::now();
        times.parse += parsed - start;
        if depth == Depth::Parse {
            return f(None, &errors, &all_comments);
        }
        let unresolved_mark = Mark::new();
        let top_level_mark = Mark::new();
        let mut program = program;
        program.visit_mut_with(&mut resolver(
            unresolved_mark,
            top_level_mark,
            source_type.is_typescript(),
        ));
        let unresolved = SyntaxContext::empty().apply_mark(unresolved_mark);
        let resolved = std::time::Instant::now();
        times.resolve += resolved - parsed;
        if depth == Depth::Resolve {
            return f(None, &errors, &all_comments);
        }
        let model = Model::build(&program, unresolved, &all_comments, text);
        times.model += resolved.elapsed();
        let out = f(Some(&model), &errors, &all_comments);
        drop(model);
        out
    })
}

fn to_error(err: swc_ecma_parser::error::Error) -> ParseError {
    let span = err.span();
    let lo = span.lo.0.saturating_sub(BASE) as usize;
    let hi = (span.hi.0.saturating_sub(BASE) as usize).max(lo);
    ParseError {
        range: lo..hi,
        message: err.into_kind().msg().into_owned(),
    }
}

fn collect_comments(comments: SingleThreadedComments) -> Vec<Comment> {
    let (leading, trailing) = comments.take_all();
    let mut out: Vec<Comment> = leading
        .borrow()
        .values()
        .chain(trailing.borrow().values())
        .flatten()
        .map(|c| Comment {
            range: c.span.lo.0.saturating_sub(BASE) as usize
                ..c.span.hi.0.saturating_sub(BASE) as usize,
            block: c.kind == CommentKind::Block,
            text: c.text.to_string(),
        })
        .collect();
    out.sort_by_key(|c| c.range.start);
    out.dedup_by_key(|c| c.range.start);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str, source_type: SourceType) -> Vec<String> {
        analyze(text, source_type, |_, errors, _| {
            errors.iter().map(|e| e.message.clone()).collect()
        })
    }

    #[test]
    fn declaration_files_are_skipped_by_walks_and_parsed_as_declarations_by_name() {
        for name in ["types.d.ts", "src/index.d.mts", "legacy.d.cts"] {
            assert_eq!(SourceType::from_path(Path::new(name)), None, "{name}");
            assert_eq!(
                SourceType::for_file(Path::new(name)),
                SourceType::Dts,
                "{name}"
            );
        }
        assert_eq!(SourceType::for_file(Path::new("a.ts")), SourceType::Ts);
        assert_eq!(SourceType::for_file(Path::new("Makefile")), SourceType::Js);
        // Bodiless overloads, `declare` blocks and `export =` are what declaration files hold.
        let dts = "declare module 'legacy' {\n  export function load(path: string): Promise<Buffer>;\n  export function load(path: string, cb: (err: Error | null) => void): void;\n}\ndeclare const VERSION: string;\ndeclare function helper(x: number): number;\nexport = helper;\n";
        assert_eq!(errors(dts, SourceType::Dts), Vec::<String>::new());
        assert!(!errors(dts, SourceType::Js).is_empty());
    }
}
