//! `nodepit explain`: a rule's markdown doc made readable in a terminal.

/// The doc of a rule, or of a diagnostic nodepit reports itself (`syntax-error`, …).
pub fn doc(id: &str) -> Option<&'static str> {
    nodepit_rules::find(id)
        .map(|e| e.meta.doc)
        .or_else(|| nodepit_analyzer::builtin(id).map(|m| m.doc))
}

/// Renders markdown for a terminal: headings stand out, code is indented, fences and
/// blockquote markers go.
pub fn render(doc: &str, color: bool) -> String {
    let (bold, dim, reset) = if color {
        ("\x1b[1m", "\x1b[2m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let mut out = String::new();
    let mut in_code = false;
    for line in doc.lines() {
        if let Some(fence) = line.trim_start().strip_prefix("```") {
            in_code = !in_code;
            if in_code {
                let tag = fence.trim();
                let label = match tag.split_whitespace().nth(1) {
                    Some("flagged") => "  (flagged)",
                    Some("fine") => "  (fine)",
                    _ => "",
                };
                if !label.is_empty() {
                    out.push_str(&format!("{dim}{label}{reset}\n"));
                }
            }
            continue;
        }
        if in_code {
            out.push_str(&format!("    {dim}{line}{reset}\n"));
        } else if let Some(h) = line.strip_prefix("# ") {
            out.push_str(&format!(
                "{bold}{}{reset}\n{}\n",
                h,
                "=".repeat(h.chars().count())
            ));
        } else if let Some(h) = line.strip_prefix("## ") {
            out.push_str(&format!("\n{bold}{h}{reset}\n"));
        } else if let Some(h) = line.strip_prefix("### ") {
            out.push_str(&format!("{bold}{h}{reset}\n"));
        } else if let Some(q) = line.strip_prefix("> ") {
            out.push_str(&format!("  {q}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
