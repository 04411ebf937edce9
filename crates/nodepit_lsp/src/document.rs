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
    /// The latest analysis: the version it is for and its findings.
    pub analysis: Option<(i32, Arc<Vec<Diagnostic>>)>,
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
            analysis: None,
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

    /// The analysis of the current version, if it is done.
    pub fn current(&self) -> Option<Arc<Vec<Diagnostic>>> {
        match &self.analysis {
            Some((v, d)) if *v == self.version => Some(d.clone()),
            _ => None,
        }
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
