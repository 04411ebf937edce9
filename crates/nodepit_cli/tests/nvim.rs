//! End to end in a real editor: headless Neovim loads `editors/nvim`, opens a file, and must
//! receive nodepit's diagnostics with the right rule ids and lines; a project's own
//! `node_modules/.bin/nodepit` runs ahead of the configured `cmd`.

use std::path::Path;
use std::process::Command;

#[test]
fn neovim_shows_nodepit_diagnostics() {
    if Command::new("nvim").arg("--version").output().is_err() {
        // CI installs Neovim (.ci/run); a developer machine without it cannot run this test.
        assert!(
            std::env::var_os("CI").is_none(),
            "Neovim is missing on CI; .ci/run must install it"
        );
        eprintln!("nvim is not installed; skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("routes.js");
    std::fs::write(
        &file,
        "const express = require('express');\n\
         const fs = require('fs');\n\
         const app = express();\n\
         async function audit(e) { await fetch(e); }\n\
         app.get('/report', (req, res) => {\n\
         \x20 audit(req.query);\n\
         \x20 res.send(fs.readFileSync('report.html'));\n\
         });\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("package.json"), "{}").unwrap();
    let out_file = dir.path().join("diagnostics.json");
    let script = format!(
        r#"
        local ok = vim.wait(20000, function() return #vim.diagnostic.get(0) >= 2 end, 50)
        local found = {{}}
        for _, d in ipairs(vim.diagnostic.get(0)) do
          table.insert(found, {{ code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code), line = d.lnum, source = d.source }})
        end
        vim.fn.writefile({{ vim.fn.json_encode({{ ok = ok, found = found }}) }}, '{}')
        "#,
        out_file.display()
    );
    let script_file = dir.path().join("check.lua");
    std::fs::write(&script_file, script).unwrap();
    let (text, v) = run_nvim(
        dir.path(),
        &format!(
            "lua require('nodepit').setup({{ cmd = {{ '{}', 'lsp' }} }})",
            env!("CARGO_BIN_EXE_nodepit")
        ),
        &file,
        &script_file,
        &out_file,
    );
    assert_eq!(v["ok"], true, "diagnostics arrived: {text}");
    let mut found: Vec<(String, u64)> = v["found"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("no-floating-promise".to_string(), 5),
            ("no-sync-in-handler".to_string(), 6)
        ]
    );
    assert!(v["found"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["source"] == "nodepit"));
}

/// A project with `node_modules/.bin/nodepit` (as `npm i -D nodepit` leaves it) gets that binary,
/// even when `cmd` names one that does not exist.
#[test]
fn neovim_prefers_the_projects_node_modules_bin() {
    if Command::new("nvim").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "Neovim is missing on CI; .ci/run must install it"
        );
        eprintln!("nvim is not installed; skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("app");
    let bin = project.join("node_modules/.bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::write(project.join("package.json"), "{}").unwrap();
    let marker = dir.path().join("local-ran");
    // Stands in for npm's launcher: notes that it ran, then runs the binary under test.
    let launcher = bin.join("nodepit");
    std::fs::write(
        &launcher,
        format!(
            "#!/bin/sh\necho local > '{}'\nexec '{}' \"$@\"\n",
            marker.display(),
            env!("CARGO_BIN_EXE_nodepit")
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let file = project.join("src/routes.js");
    std::fs::write(
        &file,
        "const fs = require('fs');\n\
         const app = require('express')();\n\
         app.get('/', (req, res) => { res.send(fs.readFileSync('x')); });\n",
    )
    .unwrap();
    let out_file = dir.path().join("result.json");
    let script_file = dir.path().join("check.lua");
    std::fs::write(
        &script_file,
        format!(
            r#"
            local ok = vim.wait(20000, function() return #vim.diagnostic.get(0) >= 1 end, 50)
            local nodepit = require('nodepit')
            local cmd = nodepit.server_cmd(nodepit.root_dir(0))
            vim.fn.writefile({{ vim.fn.json_encode({{ ok = ok, cmd = cmd[1] }}) }}, '{}')
            "#,
            out_file.display()
        ),
    )
    .unwrap();
    let (text, v) = run_nvim(
        dir.path(),
        "lua require('nodepit').setup({ cmd = { '/nonexistent/nodepit', 'lsp' } })",
        &file,
        &script_file,
        &out_file,
    );
    assert_eq!(v["ok"], true, "diagnostics arrived: {text}");
    assert_eq!(
        v["cmd"].as_str(),
        Some(launcher.to_str().unwrap()),
        "the project's binary was chosen: {text}"
    );
    assert!(marker.exists(), "node_modules/.bin/nodepit ran");
}

/// Opens `file` in headless Neovim with the plugin, runs `setup` (an Ex command) and then the
/// check script, which writes its JSON result to `out_file`; returns that text and its value.
fn run_nvim(
    dir: &Path,
    setup: &str,
    file: &Path,
    script_file: &Path,
    out_file: &Path,
) -> (String, serde_json::Value) {
    let plugin = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/nvim");
    let status = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "--cmd"])
        .arg(format!("set rtp+={}", plugin.display()))
        .args(["--cmd", "filetype on", "-c"])
        .arg(setup)
        .arg("-c")
        .arg(format!("edit {}", file.display()))
        .arg("-c")
        .arg(format!("luafile {}", script_file.display()))
        .args(["-c", "qa!"])
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env("XDG_STATE_HOME", dir.join(".state"))
        .env("XDG_DATA_HOME", dir.join(".data"))
        .current_dir(dir)
        .status()
        .expect("nvim runs");
    assert!(status.success());
    let text = std::fs::read_to_string(out_file).expect("the check script wrote its result");
    let v = serde_json::from_str(&text).unwrap();
    (text, v)
}
