//! Byte offsets to lines and columns in the three units front ends need.

/// Line starts of a text, for converting byte offsets to positions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`; `\n`, `\r\n` and a lone `\r` end a line.
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Self { starts }
    }

    /// Zero-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// Byte offset where a zero-based line starts (the text's end past the last line).
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line).copied()
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Zero-based line and column counted in Unicode scalar values.
    pub fn char_position(&self, text: &str, offset: usize) -> (usize, usize) {
        let (line, prefix) = self.prefix(text, offset);
        (line, prefix.chars().count())
    }

    /// Zero-based line and column counted in UTF-16 code units (LSP's default).
    pub fn utf16_position(&self, text: &str, offset: usize) -> (usize, usize) {
        let (line, prefix) = self.prefix(text, offset);
        (line, prefix.chars().map(char::len_utf16).sum())
    }

    /// Zero-based line and column counted in bytes.
    pub fn utf8_position(&self, text: &str, offset: usize) -> (usize, usize) {
        let (line, prefix) = self.prefix(text, offset);
        (line, prefix.len())
    }

    /// Byte offset of a zero-based line and UTF-16 column, clamped to the line.
    pub fn offset_of_utf16(&self, text: &str, line: usize, col: usize) -> usize {
        self.offset_by(text, line, col, char::len_utf16)
    }

    /// Byte offset of a zero-based line and byte column, clamped to the line and to a char boundary.
    pub fn offset_of_utf8(&self, text: &str, line: usize, col: usize) -> usize {
        self.offset_by(text, line, col, char::len_utf8)
    }

    fn offset_by(&self, text: &str, line: usize, col: usize, unit: fn(char) -> usize) -> usize {
        let Some(&start) = self.starts.get(line) else {
            return text.len();
        };
        let end = self.line_end(text, line);
        let mut seen = 0;
        for (i, ch) in text[start..end].char_indices() {
            if seen >= col {
                return start + i;
            }
            seen += unit(ch);
        }
        end
    }

    /// End of a line's content, before its line terminator.
    fn line_end(&self, text: &str, line: usize) -> usize {
        let next = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let bytes = text.as_bytes();
        let mut end = next;
        if end > self.starts[line] && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > self.starts[line] && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        end
    }

    fn prefix<'t>(&self, text: &'t str, offset: usize) -> (usize, &'t str) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line(offset);
        (line, &text[self.starts[line]..offset])
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn columns_in_each_unit() {
        let text = "a\r\n😀é = 1\nx";
        let idx = LineIndex::new(text);
        let off = text.find('=').unwrap();
        assert_eq!(idx.char_position(text, off), (1, 3));
        assert_eq!(idx.utf16_position(text, off), (1, 4));
        assert_eq!(idx.utf8_position(text, off), (1, 7));
        assert_eq!(idx.offset_of_utf16(text, 1, 4), off);
        assert_eq!(idx.offset_of_utf16(text, 0, 99), 1);
        assert_eq!(idx.line(text.len()), 2);
    }
}
