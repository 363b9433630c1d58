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
    /// target. Returns the final path (which may not be a tracked file), or `None` on a symlink loop.
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut pending: Vec<String> = path
            .split('/')
            .filter(|c| !c.is_empty())
            .rev()
            .map(str::to_owned)
            .collect();
        let mut cur: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(c) = pending.pop() {
            match c.as_str() {
                "." => continue,
                ".." => {
                    cur.pop();
                    continue;
                }
                _ => {}
            }
            cur.push(c);
            let joined = cur.join("/");
            let target = match self.nodes.get(&joined) {
                Some(Node::Symlink { target, .. }) => Some((target.clone(), false)),
                Some(Node::Hardlink { target, .. }) => Some((target.clone(), true)),
                _ => None,
            };
            if let Some((target, hard)) = target {
                hops += 1;
                if hops > 40 {
                    return None;
                }
                cur.pop();
                if hard || target.starts_with('/') {
                    cur.clear();
                }
                for part in target.split('/').filter(|p| !p.is_empty()).rev() {
                    pending.push(part.to_owned());
                }
            }
        }
        Some(cur.join("/"))
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
    }
}
