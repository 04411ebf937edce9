//! Helpers the integration tests share: running the built `nodepit` and writing project files.
//! Each test file uses only some of them.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `nodepit` in `dir` with colour off and no test-only panic rule.
pub fn nodepit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nodepit"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("NODEPIT_TEST_PANIC_RULE")
        .output()
        .expect("nodepit runs")
}

/// Writes `text` to `dir/name`, creating its folders.
pub fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A run's standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A run's standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
