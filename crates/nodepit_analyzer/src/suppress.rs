//! Suppression comments: `nodepit-disable-next-line`, `nodepit-disable-line` and a file-level
//! `nodepit-disable`, each with optional rule ids and an optional `-- reason`.

use std::ops::Range;

/// Where a directive applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectiveKind {
    /// The line after the comment.
    NextLine,
    /// The comment's own line.
    Line,
    /// From the comment to the end of the file (the whole file when it is at the top).
    File,
}

/// A parsed suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Where it applies.
    pub kind: DirectiveKind,
    /// The rule ids it names, with their byte ranges in the source; empty means every rule.
    pub rules: Vec<(String, Range<usize>)>,
    /// Byte range of the whole comment.
    pub range: Range<usize>,
}

/// Parses a comment's text (without `//` or `/* */`) that starts at byte `start` of the source.
pub fn parse_directive(text: &str, comment_range: Range<usize>, block: bool) -> Option<Directive> {
    let inner_start = comment_range.start + 2;
    let lead = text.len() - text.trim_start().len();
    let body = text.trim_start();
    let (kind, rest) = [
        ("nodepit-disable-next-line", DirectiveKind::NextLine),
        ("nodepit-disable-line", DirectiveKind::Line),
        ("nodepit-disable", DirectiveKind::File),
    ]
    .into_iter()
    .find_map(|(word, kind)| {
        let rest = body.strip_prefix(word)?;
        (rest.is_empty() || rest.starts_with(char::is_whitespace)).then_some((kind, rest))
    })?;
    // Line directives in block comments are allowed too; a file directive must stand alone.
    let _ = block;
    let rest_offset = inner_start + lead + (body.len() - rest.len());
    let list = match rest.find("--") {
        Some(i) => &rest[..i],
        None => rest,
    };
    let mut rules = Vec::new();
    let mut pos = 0;
    for part in list.split(',') {
        let trimmed = part.trim();
        if !trimmed.is_empty() {
            let at = rest_offset + pos + (part.len() - part.trim_start().len());
            for word in trimmed.split_whitespace() {
                let word_at = at + trimmed.find(word).unwrap_or(0);
                rules.push((word.to_string(), word_at..word_at + word.len()));
            }
        }
        pos += part.len() + 1;
    }
    Some(Directive {
        kind,
        rules,
        range: comment_range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules_and_reason() {
        let src = "// nodepit-disable-next-line no-floating-promise, prefer-pipeline -- legacy";
        let d = parse_directive(&src[2..], 0..src.len(), false).unwrap();
        assert_eq!(d.kind, DirectiveKind::NextLine);
        let names: Vec<_> = d.rules.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(names, ["no-floating-promise", "prefer-pipeline"]);
        assert_eq!(&src[d.rules[1].1.clone()], "prefer-pipeline");
    }

    #[test]
    fn bare_and_unrelated() {
        let d = parse_directive(" nodepit-disable ", 0..19, true).unwrap();
        assert_eq!(d.kind, DirectiveKind::File);
        assert!(d.rules.is_empty());
        assert!(parse_directive(" nodepit-disabled", 0..19, false).is_none());
        assert!(parse_directive(" eslint-disable-line", 0..22, false).is_none());
    }
}
