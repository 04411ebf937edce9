//! The `nodepit` binary: `check`, `explain`, `rules`, `lsp`.
//!
//! Output shapes (pretty, JSON) live here and only here; the core crates hand over plain data.

#[cfg_attr(feature = "system-alloc", allow(dead_code))]
mod alloc;
mod baseline;
mod explain;
mod init;
mod machine;
mod render;

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use nodepit_analyzer::Severity;
use nodepit_workspace::{FixOptions, Options, Workspace};

#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static GLOBAL: alloc::MiMalloc = alloc::MiMalloc;

/// mimalloc's `purge_delay` option (its index in `mi_option_e` of mimalloc 3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory mapped instead of returning it to the system a second later. A run frees
/// and allocates syntax trees all the time, while the project's summaries stay: with purging on,
/// pages were given back and faulted in again, 4,000 faults and a sixth more CPU on the
/// benchmark corpus (500 faults with it off, as many as parsing alone). Only for `check`: a
/// language server lives for hours, and never purging would hold its highest peak for good.
#[allow(unsafe_code)]
fn keep_freed_memory() {
    // SAFETY: `mi_option_set` only stores an integer in mimalloc's option table; it may be
    // called at any time, and -1 is the documented "never purge" value of `purge_delay`.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// Turns transparent huge pages off for the language server's process. mimalloc asks the kernel
/// for them on its arena, and the kernel's `khugepaged` then merges a freed and purged range back
/// into a resident 2 MB page whenever a neighbour is still in use: after the soak
/// (tests/bench/lsp_soak.py), 13 of the idle server's 20 MB were such zero-filled free memory.
/// Without them the idle server holds about 9 MB and stays there, for 2-4 ms more per edit
/// (tests/bench/README.md). `check` keeps them: it ends before they matter, and it ran faster
/// with them.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn no_huge_pages() {
    // SAFETY: `prctl(PR_SET_THP_DISABLE, 1)` sets one flag on the process's memory; it fails
    // harmlessly (returns -1) on kernels without it, and mimalloc's own option calls the same.
    unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}

/// Gives freed pages back to the system now: the calling thread's empty pages, and the pages of
/// every arena whose return was delayed. The language server calls it on each of its threads
/// that allocate once it idles.
#[allow(unsafe_code)]
fn release_freed_memory() {
    // SAFETY: `mi_collect` walks the calling thread's own heap and the shared arenas under
    // mimalloc's own locks; any thread may call it at any time.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

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
        /// Run the answer's demonstration on Node (exit 0 when it confirms the answer).
        #[arg(long)]
        demo: bool,
        /// The Node binary for `--demo` [default: `node` on PATH].
        #[arg(long, value_name = "PATH", requires = "demo")]
        node: Option<PathBuf>,
    },
    /// Write a commented nodepit.toml for the project in this folder.
    Init {
        /// The project folder [default: .]
        #[arg(long, value_name = "DIR")]
        path: Option<PathBuf>,
        /// Overwrite an existing nodepit.toml.
        #[arg(long)]
        force: bool,
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
    /// Files or folders to lint [default: .]
    #[arg(conflicts_with = "stdin_filename")]
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
    /// Apply safe fixes to the files.
    #[arg(long)]
    fix: bool,
    /// Apply safe fixes and suggestions that may change behaviour.
    #[arg(long = "fix-unsafe")]
    fix_unsafe: bool,
    /// Print what `--fix` (or `--fix-unsafe`) would change as a unified diff, writing nothing.
    #[arg(long, conflicts_with = "fix")]
    diff: bool,
    /// Report only findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file and exit 0.
    #[arg(long = "write-baseline", value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Fail (exit 1) when there are more than N warnings.
    #[arg(long = "max-warnings", value_name = "N")]
    max_warnings: Option<usize>,
    /// Fail (exit 1) on any warning.
    #[arg(long = "deny-warnings")]
    deny_warnings: bool,
    /// Report errors only.
    #[arg(long, short)]
    quiet: bool,
    /// Lint standard input as if it were the file at this path (no other paths then).
    #[arg(long = "stdin-filename", value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
    /// Print phase timings and counts to stderr.
    #[arg(long)]
    stats: bool,
    /// Only parse and resolve scopes (no model, no rules): the benchmark's floor.
    #[arg(long = "parse-only", hide = true)]
    parse_only: bool,
    /// Write the report to PATH instead of standard output; FORMAT=PATH (repeatable) also
    /// writes that format's report from the same run, e.g. `-o sarif=nodepit.sarif`.
    #[arg(
        short = 'o',
        long = "output-file",
        value_name = "[FORMAT=]PATH",
        conflicts_with_all = ["diff", "write_baseline"]
    )]
    output_files: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Source snippets with the message, help and where to read more.
    Pretty,
    /// One JSON object: `{"diagnostics": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// JUnit XML.
    Junit,
    /// Checkstyle XML.
    Checkstyle,
    /// `path:line:column: severity rule-id message`, one line per finding.
    Compact,
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
        Command::Check(args) => {
            keep_freed_memory();
            check(args)
        }
        Command::Explain {
            rule,
            demo: true,
            node,
        } => explain::run_demo(&rule, node.as_deref()),
        Command::Explain { rule, .. } => match explain::doc(&rule) {
            Some(doc) => {
                print!("{}", explain::render(doc, color()));
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: unknown rule `{rule}`; `nodepit rules` lists them");
                ExitCode::from(2)
            }
        },
        Command::Init { path, force } => {
            init::run(path.as_deref().unwrap_or(std::path::Path::new(".")), force)
        }
        Command::Lsp { .. } => {
            #[cfg(target_os = "linux")]
            no_huge_pages();
            nodepit_lsp::set_release_memory(release_freed_memory);
            nodepit_lsp::run_stdio();
            ExitCode::SUCCESS
        }
        Command::Rules { format } => {
            print!("{}", render::rules_list(matches!(format, ListFormat::Json)));
            ExitCode::SUCCESS
        }
    }
}

/// Whether to colour output: standard output is a terminal and `NO_COLOR` is unset.
fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn check(args: CheckArgs) -> ExitCode {
    let select = (!args.rules.is_empty()).then_some(args.rules.clone());
    let fix = if args.diff {
        Some(FixOptions {
            include_unsafe: args.fix_unsafe,
            write: false,
        })
    } else if args.fix || args.fix_unsafe {
        Some(FixOptions {
            include_unsafe: args.fix_unsafe,
            write: true,
        })
    } else {
        None
    };
    if fix.is_some_and(|f| f.write) && args.stdin_filename.is_some() {
        eprintln!("error: --fix cannot rewrite standard input; use --diff to see the changes");
        return ExitCode::from(2);
    }
    // Opened before linting, so a typo or an unwritable path fails in a moment, not after a run.
    let (main_file, extra_files) = match open_reports(&args.output_files) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let wall = std::time::Instant::now();
    let mut walk = std::time::Duration::ZERO;
    let mut stdin_ignored = false;
    let result = Workspace::new(Options {
        select,
        threads: args.threads,
        fix,
        parse_only: args.parse_only,
        ..Options::default()
    })
    .and_then(|ws| match &args.stdin_filename {
        Some(path) => {
            let mut text = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut text) {
                return Err(nodepit_workspace::SetupError::Path(
                    PathBuf::from("<stdin>"),
                    e.to_string(),
                ));
            }
            // As ESLint does: text named like an ignored file gets no findings.
            if ws.is_ignored(path)? {
                eprintln!(
                    "note: {} is ignored by its nodepit.toml, so standard input was not linted",
                    path.display()
                );
                stdin_ignored = true;
                return Ok((Vec::new(), Vec::new()));
            }
            ws.lint_text(path, text).map(|r| (vec![r], Vec::new()))
        }
        None => {
            let walk_start = std::time::Instant::now();
            let paths = if args.paths.is_empty() {
                vec![PathBuf::from(".")]
            } else {
                args.paths.clone()
            };
            let (files, unreadable) = ws.collect_files(&paths)?;
            walk = walk_start.elapsed();
            Ok((ws.lint_files(files)?, unreadable))
        }
    });
    let (mut results, mut unreadable) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // Files that could not be read are I/O errors (exit 2), not findings.
    results.retain(|r| match &r.io_error {
        Some(error) => {
            unreadable.push(nodepit_workspace::IoError {
                path: r.path.clone(),
                error: error.clone(),
            });
            false
        }
        None => true,
    });
    unreadable.sort_by(|a, b| a.path.cmp(&b.path));
    for e in &unreadable {
        eprintln!("error: {e}");
    }
    let io_failed = !unreadable.is_empty();
    for r in &results {
        if let Some(e) = &r.fix_error {
            eprintln!("error: {}: {e}", r.path.display());
        }
    }
    if args.diff {
        let diff = render::diff(&results);
        print!("{diff}");
        return if io_failed {
            ExitCode::from(2)
        } else if diff.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    if fix.is_some() {
        let fixed: usize = results.iter().map(|r| r.fixes_applied).sum();
        let files = results.iter().filter(|r| r.fixes_applied > 0).count();
        if fixed > 0 {
            eprintln!(
                "Fixed {fixed} finding{} in {files} file{}.",
                plural(fixed),
                plural(files)
            );
        }
    }
    if let Some(path) = &args.write_baseline {
        return match baseline::write(path, &results) {
            Ok(n) => {
                eprintln!("Recorded {n} finding{} in {}.", plural(n), path.display());
                if io_failed {
                    ExitCode::from(2)
                } else {
                    ExitCode::SUCCESS
                }
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                ExitCode::from(2)
            }
        };
    }
    if let Some(path) = &args.baseline {
        match baseline::read(path) {
            Ok(known) => baseline::filter(&mut results, known),
            Err(e) => {
                eprintln!("error: cannot read baseline {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    if args.quiet {
        for r in &mut results {
            r.diagnostics.retain(|d| d.severity == Severity::Error);
        }
    }
    let render_start = std::time::Instant::now();
    let colored = main_file.is_none() && color();
    let out = report(args.format, &results, colored, args.threads, stdin_ignored);
    let mut write_failed = false;
    match main_file {
        Some((path, file)) => write_failed |= !write_report(&path, file, &out),
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(out.as_bytes());
            let _ = stdout.flush();
        }
    }
    for (format, path, file) in extra_files {
        let out = report(format, &results, false, args.threads, stdin_ignored);
        write_failed |= !write_report(&path, file, &out);
    }
    if args.stats {
        eprint!(
            "{}",
            render::stats(
                &results,
                wall.elapsed(),
                walk,
                render_start.elapsed(),
                args.threads
            )
        );
    }
    let all = results.iter().flat_map(|r| &r.diagnostics);
    let errors = all
        .clone()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = all.filter(|d| d.severity == Severity::Warning).count();
    let too_many = args.max_warnings.is_some_and(|max| warnings > max);
    if too_many {
        eprintln!(
            "error: {warnings} warnings exceed --max-warnings {}",
            args.max_warnings.unwrap_or(0)
        );
    }
    if io_failed || write_failed {
        ExitCode::from(2)
    } else if errors > 0 || too_many || (args.deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// One report of the lint run in `format`.
fn report(
    format: Format,
    results: &[nodepit_workspace::FileResult],
    color: bool,
    threads: usize,
    stdin_ignored: bool,
) -> String {
    match format {
        // Nothing was linted, so a person sees nothing (the note is on stderr); machine formats
        // still get their empty document.
        Format::Pretty if stdin_ignored => String::new(),
        Format::Pretty => render::pretty(results, color, threads),
        Format::Json => render::json(results),
        Format::Sarif => machine::sarif_log(results),
        Format::Github => machine::github(results),
        Format::Gitlab => machine::gitlab(results),
        Format::Junit => machine::junit(results),
        Format::Checkstyle => machine::checkstyle(results),
        Format::Compact => machine::compact(results),
    }
}

/// A report file: where it goes and the file, created before linting.
type ReportFile = (PathBuf, std::fs::File);
/// A FORMAT=PATH report.
type ExtraReport = (Format, PathBuf, std::fs::File);

/// Parses and creates the `--output-file` targets: the `--format` report's file, if one is plain
/// PATH, and the extra FORMAT=PATH reports.
fn open_reports(specs: &[String]) -> Result<(Option<ReportFile>, Vec<ExtraReport>), String> {
    let mut main = None;
    let mut extra = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for spec in specs {
        // `name=path` is a format only when `name` looks like one (lower-case letters), so a
        // path that merely contains `=` still works.
        let (format, path) = match spec.split_once('=') {
            Some((name, path))
                if !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase()) =>
            {
                let Ok(format) = Format::from_str(name, false) else {
                    let known: Vec<String> = Format::value_variants()
                        .iter()
                        .filter_map(|f| f.to_possible_value())
                        .map(|v| v.get_name().to_string())
                        .collect();
                    return Err(format!(
                        "unknown report format `{name}` in --output-file {spec} (known: {})",
                        known.join(", ")
                    ));
                };
                (Some(format), PathBuf::from(path))
            }
            _ => (None, PathBuf::from(spec)),
        };
        if path.as_os_str().is_empty() {
            return Err(format!("--output-file {spec} names no file"));
        }
        if !seen.insert(path.clone()) {
            return Err(format!(
                "--output-file names {} twice; each report needs its own file",
                path.display()
            ));
        }
        if format.is_none() && main.is_some() {
            return Err(format!(
                "--output-file {spec}: the --format report already has a file; \
                 name other reports FORMAT=PATH"
            ));
        }
        // As ESLint does, a report's folder is created when missing.
        let file = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::File::create(&path))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        match format {
            Some(format) => extra.push((format, path, file)),
            None => main = Some((path, file)),
        }
    }
    Ok((main, extra))
}

/// Writes one report; false (after saying why) when the file cannot take it.
fn write_report(path: &std::path::Path, mut file: std::fs::File, text: &str) -> bool {
    match file.write_all(text.as_bytes()).and_then(|()| file.flush()) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            false
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
