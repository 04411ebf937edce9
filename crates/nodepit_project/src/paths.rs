//! Sorting many paths: a run sorts every file it lints, and `Path`'s order splits both paths
//! into components on every comparison.

use std::cmp::Ordering;
use std::path::{Component, Path, PathBuf};

/// Sorts `paths` in `Path`'s order, component by component. For paths made only of a root and
/// plain names (no `.`, `..`, doubled or trailing separator), that order is the byte order with
/// the separator below every other byte, which needs no splitting; other paths fall back to
/// `Path`'s own comparison.
pub fn sort_path_bufs(paths: &mut [PathBuf]) {
    if cfg!(unix) && paths.iter().all(|p| is_plain(p)) {
        paths.sort_by(|a, b| plain_cmp(bytes(a), bytes(b)));
    } else {
        paths.sort();
    }
}

fn bytes(p: &Path) -> &[u8] {
    p.as_os_str().as_encoded_bytes()
}

fn is_plain(p: &Path) -> bool {
    let b = bytes(p);
    !b.is_empty()
        && (b == b"/" || !b.ends_with(b"/"))
        && memchr::memmem::find(b, b"//").is_none()
        && p.components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)))
}

fn plain_cmp(a: &[u8], b: &[u8]) -> Ordering {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => match (a[i], b[i]) {
            (b'/', _) => Ordering::Less,
            (_, b'/') => Ordering::Greater,
            (x, y) => x.cmp(&y),
        },
        None => a.len().cmp(&b.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_order_is_path_order() {
        let names = [
            "a",
            "a/b",
            "a-b",
            "a/b/c",
            "a.b",
            "a/b-c",
            "a0",
            "/a",
            "/",
            "b",
            "a/b.js",
            "a/b/index.js",
            "a b",
            "A",
            "a/B",
            "é/x",
            "a/é",
            "./a",
            "a/../b",
            "a//b",
            "a/",
        ];
        let mut fast: Vec<PathBuf> = names.iter().map(PathBuf::from).collect();
        sort_path_bufs(&mut fast);
        let mut slow: Vec<PathBuf> = names.iter().map(PathBuf::from).collect();
        slow.sort();
        assert_eq!(fast, slow);
        // Only plain paths take the fast comparison; it must agree with `Path` on every pair.
        let plain: Vec<PathBuf> = names
            .iter()
            .map(PathBuf::from)
            .filter(|p| is_plain(p))
            .collect();
        assert!(plain.len() > 15);
        for a in &plain {
            for b in &plain {
                assert_eq!(plain_cmp(bytes(a), bytes(b)), a.cmp(b), "{a:?} vs {b:?}");
            }
        }
    }
}
