//! Open documents: text, version, and position conversion in the negotiated encoding.

use std::sync::Arc;

use nodepit_analyzer::semantic::LineIndex;
use nodepit_analyzer::Diagnostic;
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

/// How LSP columns are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-16 code units (the default).
    Utf16,
    /// Bytes.
    Utf8,
}

/// An open document.
#[derive(Debug)]
pub struct Document {
    /// The current text.
    pub text: Arc<String>,
    /// The client's version of it.
    pub version: i32,
    /// Line starts of `text`.
    pub index: Arc<LineIndex>,
    /// The language id the client gave.
    pub language: String,
    /// Counts the times other files changed in ways that may change this document's findings.
    pub epoch: u64,
    /// The latest analysis: the version and epoch it is for, and its findings.
    pub analysis: Option<(i32, u64, Arc<Vec<Diagnostic>>)>,
    /// What was last pushed to the client, and for which version and epoch.
    pub published: Option<(i32, u64, Vec<tower_lsp_server::ls_types::Diagnostic>)>,
}

impl Document {
    /// A document as opened.
    pub fn new(text: String, version: i32, language: String) -> Self {
        let index = Arc::new(LineIndex::new(&text));
        Self {
            text: Arc::new(text),
            version,
            index,
            language,
            epoch: 0,
            analysis: None,
            published: None,
        }
    }

    /// Applies incremental (or full) changes in order.
    pub fn apply(
        &mut self,
        changes: Vec<TextDocumentContentChangeEvent>,
        version: i32,
        enc: Encoding,
    ) {
        for change in changes {
            match change.range {
                Some(range) => {
                    let start = offset(&self.text, &self.index, range.start, enc);
                    let end = offset(&self.text, &self.index, range.end, enc).max(start);
                    Arc::make_mut(&mut self.text).replace_range(start..end, &change.text);
                }
                None => self.text = Arc::new(change.text),
            }
            self.index = Arc::new(LineIndex::new(&self.text));
        }
        self.version = version;
    }

    /// The analysis of the current version and epoch, if it is done.
    pub fn current(&self) -> Option<Arc<Vec<Diagnostic>>> {
        match &self.analysis {
            Some((v, e, d)) if *v == self.version && *e == self.epoch => Some(d.clone()),
            _ => None,
        }
    }

    /// The latest findings, whatever version they are for.
    pub fn latest(&self) -> Option<Arc<Vec<Diagnostic>>> {
        self.analysis.as_ref().map(|(_, _, d)| d.clone())
    }

    /// Another file changed: the findings must be computed again.
    pub fn invalidate(&mut self) {
        self.epoch += 1;
    }
}

/// Byte offset of an LSP position, clamped into the text.
pub fn offset(text: &str, index: &LineIndex, pos: Position, enc: Encoding) -> usize {
    let line = pos.line as usize;
    if line >= index.line_count() {
        return text.len();
    }
    match enc {
        Encoding::Utf16 => index.offset_of_utf16(text, line, pos.character as usize),
        Encoding::Utf8 => index.offset_of_utf8(text, line, pos.character as usize),
    }
}

/// LSP position of a byte offset.
pub fn position(text: &str, index: &LineIndex, offset: usize, enc: Encoding) -> Position {
    let (line, col) = match enc {
        Encoding::Utf16 => index.utf16_position(text, offset),
        Encoding::Utf8 => index.utf8_position(text, offset),
    };
    Position::new(line as u32, col as u32)
}

/// LSP range of a byte range.
pub fn range(text: &str, index: &LineIndex, r: &std::ops::Range<usize>, enc: Encoding) -> Range {
    Range::new(
        position(text, index, r.start, enc),
        position(text, index, r.end, enc),
    )
}
