//! The `nodepit` binary: `check`, `explain`, `rules`, `lsp`.
//!
//! Output shapes (pretty, JSON) live here and only here; the core crates hand over plain data.

mod explain;
mod render;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use nodepit_workspace::{Options, Workspace};

#[derive(Parser)]
#[command(
    name = "nodepit",
    version,
    about = "Catches the Node.js pitfalls interviewers ask about, and explains each one."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint files and folders (default: the current folder).
    Check(CheckArgs),
    /// Print a rule's interview answer.
    Explain {
        /// The rule id, e.g. `no-floating-promise`.
        rule: String,
    },
    /// Run the language server on stdin/stdout.
    Lsp {
        /// Accepted and ignored: stdio is the only transport, but many clients pass this flag.
        #[arg(long, hide = true)]
        stdio: bool,
    },
    /// List the rules.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Pretty)]
        format: ListFormat,
    },
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files or folders to lint.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Pretty)]
    format: Format,
    /// Run only this rule (repeatable).
    #[arg(long = "rule", alias = "select", value_name = "RULE-ID")]
    rules: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Source snippets with the message, help and where to read more.
    Pretty,
    /// One JSON object: `{"diagnostics": [...], "summary": {...}}`.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Pretty,
    Json,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // Rule panics are caught and reported as diagnostics; keep the default hook quiet about them.
    std::panic::set_hook(Box::new(|_| {}));
    match cli.command {
        Command::Check(args) => check(args),
        Command::Explain { rule } => match nodepit_rules::find(&rule) {
            Some(entry) => {
                let color =
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                print!("{}", explain::render(entry.meta.doc, color));
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: unknown rule `{rule}`; `nodepit rules` lists them");
                ExitCode::from(2)
            }
        },
        Command::Lsp { .. } => {
            nodepit_lsp::run_stdio();
            ExitCode::SUCCESS
        }
        Command::Rules { format } => {
            print!("{}", render::rules_list(matches!(format, ListFormat::Json)));
            ExitCode::SUCCESS
        }
    }
}

fn check(args: CheckArgs) -> ExitCode {
    let select = (!args.rules.is_empty()).then_some(args.rules);
    let result = Workspace::new(Options {
        select,
        threads: args.threads,
        ..Options::default()
    })
    .and_then(|ws| {
        let files = ws.collect_files(&args.paths)?;
        ws.lint_files(files)
    });
    let results = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let out = match args.format {
        Format::Pretty => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            render::pretty(&results, color)
        }
        Format::Json => render::json(&results),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    let failed = results
        .iter()
        .flat_map(|r| &r.diagnostics)
        .any(|d| d.severity == nodepit_analyzer::Severity::Error);
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
