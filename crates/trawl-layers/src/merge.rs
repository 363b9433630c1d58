//! Merging layers bottom-up: whiteouts delete, opaque dirs hide lower content, upper files replace lower ones.
//! Each file keeps the versions it had since it was last deleted, so callers can find the layer from which a
//! piece of content (a package in a DB file) has been continuously present.

use crate::walk::LayerEntries;
use std::collections::BTreeMap;

/// A path in the merged view.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<T> {
    /// An analysed regular file: its versions (layer index, value), oldest first, since it was last deleted.
    File(Vec<(usize, T)>),
    /// A symlink (target as written) made by a layer.
    Symlink {
        /// The layer.
        layer: usize,
        /// The target as written.
        target: String,
    },
    /// A hard link (target from the image root) made by a layer.
    Hardlink {
        /// The layer.
        layer: usize,
        /// The target path.
        target: String,
    },
}

/// The merged view of the layers applied so far. Only analysed files and links are tracked.
#[derive(Debug, Clone)]
pub struct MergedTree<T> {
    nodes: BTreeMap<String, Node<T>>,
}

impl<T> Default for MergedTree<T> {
    fn default() -> Self {
        MergedTree {
            nodes: BTreeMap::new(),
        }
    }
}

impl<T> MergedTree<T> {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes `dir`'s descendants (`keep_self`) or `dir` and its descendants.
    fn remove_under(&mut self, dir: &str, keep_self: bool) {
        if dir.is_empty() {
            self.nodes.clear();
            return;
        }
        if !keep_self {
            self.nodes.remove(dir);
        }
        let prefix = format!("{dir}/");
        let doomed: Vec<String> = self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            self.nodes.remove(&k);
        }
    }

    /// Applies one layer on top: its opaque dirs and whiteouts first (they only affect lower layers), then its
    /// links and analysed files.
    pub fn apply_layer(
        &mut self,
        layer: usize,
        entries: &LayerEntries,
        files: impl IntoIterator<Item = (String, T)>,
    ) {
        for d in &entries.opaque_dirs {
            self.remove_under(d, true);
        }
        for w in &entries.whiteouts {
            self.remove_under(w, false);
        }
        for (p, t) in &entries.symlinks {
            self.remove_under(p, false);
            self.nodes.insert(
                p.clone(),
                Node::Symlink {
                    layer,
                    target: t.clone(),
                },
            );
        }
        for (p, t) in &entries.hardlinks {
            self.remove_under(p, false);
            self.nodes.insert(
                p.clone(),
                Node::Hardlink {
                    layer,
                    target: t.clone(),
                },
            );
        }
        for (p, v) in files {
            match self.nodes.get_mut(&p) {
                Some(Node::File(versions)) => versions.push((layer, v)),
                _ => {
                    self.remove_under(&p, true);
                    self.nodes.insert(p, Node::File(vec![(layer, v)]));
                }
            }
        }
    }

    /// The node at `path` (no link following).
    pub fn get(&self, path: &str) -> Option<&Node<T>> {
        self.nodes.get(path)
    }

    /// Every node, by path.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Node<T>)> {
        self.nodes.iter()
    }

    /// Resolves `path` inside the image root: symlinks in any component are followed (relative targets from the
    /// link's directory, absolute targets from the image root, `..` never above the root), hard links to their
    /// target. Returns the final path (which may not be a tracked file), or `None` on a symlink loop or when
    /// resolution takes more work than a kernel would do (more than [`MAX_LINK_HOPS`] links, more than
    /// [`MAX_RESOLVE_STEPS`] path components in all, or a path longer than [`MAX_RESOLVED_PATH`] bytes): links
    /// whose targets multiply the path on each hop cost bounded work.
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut pending: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).rev().collect();
        let mut cur = String::new();
        let mut hops = 0;
        let mut steps = 0usize;
        while let Some(c) = pending.pop() {
            steps += 1;
            if steps > MAX_RESOLVE_STEPS {
                return None;
            }
            match c {
                "." => continue,
                ".." => {
                    parent(&mut cur);
                    continue;
                }
                _ => {}
            }
            let before = cur.len();
            if !cur.is_empty() {
                cur.push('/');
            }
            cur.push_str(c);
            if cur.len() > MAX_RESOLVED_PATH {
                return None;
            }
            let (target, hard) = match self.nodes.get(&cur) {
                Some(Node::Symlink { target, .. }) => (target.as_str(), false),
                Some(Node::Hardlink { target, .. }) => (target.as_str(), true),
                _ => continue,
            };
            hops += 1;
            if hops > MAX_LINK_HOPS {
                return None;
            }
            cur.truncate(before);
            if hard || target.starts_with('/') {
                cur.clear();
            }
            pending.extend(target.split('/').filter(|p| !p.is_empty()).rev());
            if pending.len() > MAX_RESOLVE_STEPS {
                return None;
            }
        }
        Some(cur)
    }
}

/// Most links followed while resolving one path (Linux's `ELOOP` limit).
pub const MAX_LINK_HOPS: usize = 40;
/// Most path components looked at while resolving one path.
pub const MAX_RESOLVE_STEPS: usize = 4096;
/// Longest resolved path (Linux's `PATH_MAX`).
pub const MAX_RESOLVED_PATH: usize = 4096;

/// Drops the last component of `cur` (never above the root).
fn parent(cur: &mut String) {
    match cur.rfind('/') {
        Some(i) => cur.truncate(i),
        None => cur.clear(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> LayerEntries {
        LayerEntries::default()
    }

    #[test]
    fn whiteout_and_opaque() {
        let mut t: MergedTree<u32> = MergedTree::new();
        t.apply_layer(
            0,
            &entries(),
            [
                ("a/b".to_owned(), 1),
                ("a/c/d".to_owned(), 2),
                ("x".to_owned(), 3),
            ],
        );
        let mut e = entries();
        e.whiteouts.push("a/c".into());
        t.apply_layer(1, &e, [("x".to_owned(), 4)]);
        assert!(t.get("a/c/d").is_none());
        assert_eq!(t.get("x"), Some(&Node::File(vec![(0, 3), (1, 4)])));
        let mut e = entries();
        e.opaque_dirs.push("a".into());
        t.apply_layer(2, &e, [("a/new".to_owned(), 5)]);
        assert!(t.get("a/b").is_none());
        assert!(t.get("a/new").is_some());
        // A deletion resets the history.
        let mut e = entries();
        e.whiteouts.push("x".into());
        t.apply_layer(3, &e, []);
        t.apply_layer(4, &entries(), [("x".to_owned(), 6)]);
        assert_eq!(t.get("x"), Some(&Node::File(vec![(4, 6)])));
    }

    #[test]
    fn resolve_stays_in_root() {
        let mut t: MergedTree<u32> = MergedTree::new();
        let mut e = entries();
        e.symlinks
            .insert("etc/os-release".into(), "../usr/lib/os-release".into());
        e.symlinks.insert("lib".into(), "usr/lib".into());
        e.symlinks
            .insert("evil".into(), "../../../../etc/shadow".into());
        e.symlinks
            .insert("abs".into(), "/usr/lib/os-release".into());
        e.symlinks.insert("loop1".into(), "loop2".into());
        e.symlinks.insert("loop2".into(), "loop1".into());
        e.hardlinks.insert("hl".into(), "usr/lib/os-release".into());
        t.apply_layer(0, &e, []);
        assert_eq!(
            t.resolve("etc/os-release").as_deref(),
            Some("usr/lib/os-release")
        );
        assert_eq!(
            t.resolve("lib/os-release").as_deref(),
            Some("usr/lib/os-release")
        );
        assert_eq!(t.resolve("evil").as_deref(), Some("etc/shadow"));
        assert_eq!(t.resolve("abs").as_deref(), Some("usr/lib/os-release"));
        assert_eq!(t.resolve("hl").as_deref(), Some("usr/lib/os-release"));
        assert_eq!(t.resolve("loop1"), None);
        assert_eq!(
            t.resolve("./usr/./lib/../lib/x").as_deref(),
            Some("usr/lib/x")
        );
        assert_eq!(t.resolve("../../a").as_deref(), Some("a"));
    }

    /// Issue #14: links whose targets multiply the path on each hop stop after bounded work.
    #[test]
    fn multiplying_links_cost_bounded_work() {
        let mut t: MergedTree<u32> = MergedTree::new();
        let mut e = entries();
        // Each hop through `a` queues a hundred more `a` components.
        e.symlinks.insert("a".into(), vec!["a"; 100].join("/"));
        let fanout = vec!["b"; 1000].join("/");
        e.symlinks.insert("b".into(), fanout);
        e.symlinks.insert("ok".into(), "d/./e/../e/f".into());
        t.apply_layer(0, &e, []);
        assert_eq!(t.resolve("a/x"), None);
        assert_eq!(t.resolve("b"), None);
        assert_eq!(t.resolve("ok").as_deref(), Some("d/e/f"));
        // A long chain under the hop limit resolves; one over it does not.
        let mut e = entries();
        for i in 0..MAX_LINK_HOPS {
            e.symlinks.insert(format!("c{i}"), format!("c{}", i + 1));
        }
        t.apply_layer(1, &e, []);
        assert_eq!(t.resolve("c0").as_deref(), Some("c40"));
        let mut e = entries();
        e.symlinks.insert("c40".into(), "c41".into());
        t.apply_layer(2, &e, []);
        assert_eq!(t.resolve("c0"), None);
    }
}
