//! The image analysis pipeline: walk every layer once (in parallel, skipping cached layers), run the analyzers
//! on the files they want, merge the layers bottom-up and build the [`Inventory`].
//!
//! Merge rules:
//! - a file of a higher layer replaces the same path of a lower one; a whiteout deletes the path and everything
//!   under it; an opaque dir hides the lower layers' content under it;
//! - a symlink or hard link whose path an analyzer wants is resolved inside the image root and the target's
//!   result is used (when that analyzer does not read the target path itself);
//! - the OS comes from the merged files with the best priority (`etc/os-release`, then `usr/lib/os-release`,
//!   then a distro's own release file, then `etc/debian_version`; on a tie the higher layer wins);
//! - each package is attributed to the lowest layer from which the same package (name, version, source) has
//!   been continuously present in the same DB file (the layer that added or last changed it);
//! - language packages and binaries whose file an OS package owns (`installed_files`, dpkg `.list` files) are
//!   dropped; on a merged-/usr system `bin/x` and `usr/bin/x` are the same file.

use crate::{AnalysisInput, AnalysisOutput, Analyzer, AnalyzerKind, FileMeta, Limits};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use trawl_layers::{LayerCache, LayerEntries, MergedTree, Node, ReadBudget, Visitor, WalkError};
use trawl_source::{ArtifactKind, Image, Layer};
use trawl_types::{Inventory, LayerRef, Misconfiguration, OsInfo, Package, SecretFinding, Warning};

pub use trawl_layers::FsCache;

/// How to analyse an image.
#[derive(Clone, Default)]
pub struct AnalyzeOptions {
    /// The analyzers to run (e.g. some of [`crate::ALL`], made with the scan's configuration).
    pub analyzers: Vec<Arc<dyn Analyzer>>,
    /// The layer cache; `None` analyses every layer.
    pub cache: Option<Arc<dyn LayerCache>>,
    /// How many layers to read at once (0 = the number of CPUs). Compressed outer archives are read one layer at
    /// a time whatever this says.
    pub parallel: usize,
    /// The memory budget of file reads (per file, and in total over the parallel walks).
    pub budget: Arc<ReadBudget>,
    /// Limits on reading inside files (nesting depth of archives).
    pub limits: Limits,
}

impl std::fmt::Debug for AnalyzeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnalyzeOptions")
            .field(
                "analyzers",
                &self.analyzers.iter().map(|a| a.name()).collect::<Vec<_>>(),
            )
            .field("cache", &self.cache.is_some())
            .field("parallel", &self.parallel)
            .field("budget", &self.budget)
            .field("limits", &self.limits)
            .finish()
    }
}

/// One layer of the analysed image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerReport {
    /// Identity and history.
    pub layer: LayerRef,
    /// Blob size, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Whether the result came from the cache.
    pub cached: bool,
}

/// The result of [`analyze`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnalyzedImage {
    /// The OS, the packages (each with its layer) and the warnings.
    pub inventory: Inventory,
    /// Secrets in files of the merged image.
    pub secrets: Vec<SecretFinding>,
    /// Misconfigurations in files of the merged image.
    pub misconfigurations: Vec<Misconfiguration>,
    /// Every layer, base first.
    pub layers: Vec<LayerReport>,
    /// Layers whose result came from the cache.
    pub cache_hits: usize,
    /// Layers analysed (cacheable ones that were not cached, and uncacheable ones).
    pub cache_misses: usize,
    /// Files analyzers skipped on purpose (secret scanning: `binary`, `too-large`), by reason, over all layers.
    pub skipped_files: BTreeMap<String, usize>,
}

/// Why an image could not be analysed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A layer is unreadable (corrupt compression, truncated tar, digest mismatch).
    #[error(transparent)]
    Layer(#[from] WalkError),
    /// The source could not be opened ([`open_and_analyze`]).
    #[error(transparent)]
    Source(#[from] trawl_source::SourceError),
}

/// A layer blob analysed while a compressed archive was being indexed, not yet matched to a layer.
struct Prefetched {
    digest: String,
    diff_id: String,
    result: LayerResult,
}

/// Opens `spec` and analyses it. Same result as [`trawl_source::open_with`] then [`analyze`], but a compressed
/// archive (which must be read through once to find its manifest) has its layers analysed during that same
/// pass: one decompression of the archive instead of two. Each blob met on the way is matched to a layer by its
/// computed blob digest / diff ID, which verifies it; anything unmatched is read again the usual way.
pub fn open_and_analyze(
    spec: &trawl_source::SourceSpec,
    source: &trawl_source::OpenOptions,
    opts: &AnalyzeOptions,
) -> Result<(Image, AnalyzedImage), PipelineError> {
    let analyzers: &[Arc<dyn Analyzer>] = &opts.analyzers;
    let mut pre: Vec<Prefetched> = Vec::new();
    let mut visit = |_name: &str, _size: u64, raw: &mut dyn std::io::Read| {
        let mut c = Collector {
            analyzers,
            result: LayerResult::default(),
            budget: Arc::clone(&opts.budget),
            limits: opts.limits,
        };
        // A failure here is not reported: the layer (if it is one) is read again and fails with its name.
        if let Ok(w) = trawl_layers::walk_blob(raw, &mut c) {
            c.result.entries = w.entries;
            pre.push(Prefetched {
                digest: w.digest,
                diff_id: w.diff_id,
                result: c.result,
            });
        }
    };
    let image = trawl_source::open_prefetch(spec, source, Some(&mut visit))?;
    let analyzed = analyze_prefetched(&image, opts, pre)?;
    Ok((image, analyzed))
}

/// An analyzer's failure on one file (kept in the cached result so a cache hit reports it again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FileError {
    path: String,
    analyzer: String,
    message: String,
}

/// What one layer gave: cached as is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct LayerResult {
    entries: LayerEntries,
    /// path -> analyzer name -> output.
    files: BTreeMap<String, BTreeMap<String, AnalysisOutput>>,
    errors: Vec<FileError>,
    /// Files an analyzer skipped on purpose, by reason (`binary`, `too-large`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    skipped: BTreeMap<String, usize>,
}

/// Files larger than this are not read for analyzers that only scan content for secrets (they skip such files
/// by size; the secret scanner's default limit).
const SECRET_READ_LIMIT: u64 = trawl_secret::DEFAULT_MAX_FILE_SIZE;

/// Whether an output carries nothing but (maybe) a skip reason.
fn is_empty_output(o: &AnalysisOutput) -> bool {
    o.os.is_none()
        && o.packages.is_empty()
        && o.secrets.is_empty()
        && o.misconfigurations.is_empty()
        && o.warnings.is_empty()
}

struct Collector<'a> {
    analyzers: &'a [Arc<dyn Analyzer>],
    result: LayerResult,
    budget: Arc<ReadBudget>,
    limits: Limits,
}

impl Visitor for Collector<'_> {
    fn budget(&self) -> Arc<ReadBudget> {
        Arc::clone(&self.budget)
    }

    fn wants(&self, path: &str, mode: u32, size: u64) -> bool {
        let meta = FileMeta { mode, size };
        self.analyzers.iter().any(|a| a.required(path, &meta))
    }

    fn needs_content(&self, path: &str, mode: u32, size: u64) -> bool {
        // A large file wanted only by secret scanning is skipped by size: do not read it (memory stays flat).
        let meta = FileMeta { mode, size };
        size <= SECRET_READ_LIMIT
            || self
                .analyzers
                .iter()
                .any(|a| a.kind() != AnalyzerKind::Secret && a.required(path, &meta))
    }

    fn visit(&mut self, path: &str, mode: u32, size: u64, content: &[u8]) {
        let meta = FileMeta { mode, size };
        let input = AnalysisInput {
            path,
            content,
            meta,
            limits: self.limits,
        };
        for a in self.analyzers.iter().filter(|a| a.required(path, &meta)) {
            match a.analyze(&input) {
                // Secret scanning wants nearly every file: keep only what it found (and count its skips), so
                // results stay small. Other analyzers' empty outputs are kept: an emptied package DB must
                // replace a lower layer's copy.
                Ok(out) if a.kind() == AnalyzerKind::Secret && is_empty_output(&out) => {
                    if let Some(reason) = out.skipped {
                        *self.result.skipped.entry(reason).or_default() += 1;
                    }
                }
                Ok(out) => {
                    self.result
                        .files
                        .entry(path.to_owned())
                        .or_default()
                        .insert(a.name().to_owned(), out);
                }
                Err(e) => self.result.errors.push(FileError {
                    path: path.to_owned(),
                    analyzer: a.name().to_owned(),
                    message: e.message,
                }),
            }
        }
    }
}

fn walk(
    layer: &Layer,
    analyzers: &[Arc<dyn Analyzer>],
    budget: &Arc<ReadBudget>,
    limits: Limits,
) -> Result<LayerResult, WalkError> {
    let mut c = Collector {
        analyzers,
        result: LayerResult::default(),
        budget: Arc::clone(budget),
        limits,
    };
    let entries = trawl_layers::walk_layer(layer, &mut c)?;
    c.result.entries = entries;
    Ok(c.result)
}

fn layer_ref(l: &Layer) -> LayerRef {
    LayerRef {
        index: l.index,
        diff_id: l.diff_id.clone(),
        digest: l.digest.clone(),
        created_by: l.created_by.clone(),
    }
}

/// Priority of an OS detection by the path it came from (higher wins).
fn os_priority(path: &str) -> u8 {
    match path {
        "etc/os-release" => 31,
        "usr/lib/os-release" => 30,
        "etc/debian_version" => 10,
        _ => 20,
    }
}

/// Analyses an image: see the module docs for the rules.
pub fn analyze(image: &Image, opts: &AnalyzeOptions) -> Result<AnalyzedImage, PipelineError> {
    analyze_prefetched(image, opts, Vec::new())
}

fn analyze_prefetched(
    image: &Image,
    opts: &AnalyzeOptions,
    mut prefetched: Vec<Prefetched>,
) -> Result<AnalyzedImage, PipelineError> {
    let analyzers: &[Arc<dyn Analyzer>] = &opts.analyzers;
    let versions: Vec<(&str, u32)> = analyzers.iter().map(|a| (a.name(), a.version())).collect();
    let n = image.layers.len();
    // Read limits decide which files are skipped: results read under other limits are other results.
    let limits = format!(
        "read-limits={}/{};archive-depth={}",
        opts.budget.per_file(),
        opts.budget.total(),
        opts.limits.max_archive_depth
    );
    let keys: Vec<Option<String>> = image
        .layers
        .iter()
        .map(|l| {
            (opts.cache.is_some() && l.content_key().starts_with("sha256:")).then(|| {
                trawl_layers::cache_key(
                    l.content_key(),
                    trawl_types::CACHE_FORMAT_VERSION,
                    &versions,
                    &limits,
                )
            })
        })
        .collect();

    let mut results: Vec<Option<LayerResult>> = (0..n).map(|_| None).collect();
    let mut cached = vec![false; n];
    if let Some(cache) = &opts.cache {
        // Decoding cached results is most of a warm scan: spread it over the CPUs.
        let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let hits = trawl_types::pool::map(keys.iter().collect(), threads, |key| {
            key.as_ref()
                .and_then(|k| trawl_layers::get_json::<LayerResult>(cache.as_ref(), k))
        });
        for (i, r) in hits.into_iter().enumerate() {
            if let Some(r) = r {
                results[i] = Some(r);
                cached[i] = true;
            }
        }
    }
    // Layers analysed while the archive was indexed: matched by digest (then the diff ID must agree too) or diff ID.
    let mut fresh: Vec<(usize, LayerResult)> = Vec::new();
    for (i, l) in image.layers.iter().enumerate() {
        if results[i].is_some() || prefetched.is_empty() {
            continue;
        }
        let found = prefetched.iter().position(|p| {
            let by_digest = l.digest.as_deref() == Some(p.digest.as_str());
            let diff_ok = l.diff_id.is_empty() || l.diff_id == p.diff_id;
            (by_digest && diff_ok) || (!l.diff_id.is_empty() && l.diff_id == p.diff_id)
        });
        if let Some(k) = found {
            let r = if prefetched
                .iter()
                .skip(k + 1)
                .any(|p| p.diff_id == prefetched[k].diff_id)
            {
                prefetched[k].result.clone()
            } else {
                prefetched.swap_remove(k).result
            };
            fresh.push((i, r));
        }
    }
    // A layer listed several times (same verified content key) is read once; its copies share the result.
    let mut first_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut dup_of: Vec<Option<usize>> = vec![None; n];
    let fresh_set: HashSet<usize> = fresh.iter().map(|(i, _)| *i).collect();
    for (i, l) in image.layers.iter().enumerate() {
        let key = l.content_key();
        if !key.starts_with("sha256:") {
            continue;
        }
        match first_of.get(key) {
            Some(&j) if results[i].is_none() && !fresh_set.contains(&i) => dup_of[i] = Some(j),
            Some(_) => {}
            None => {
                first_of.insert(key, i);
            }
        }
    }
    let todo: Vec<usize> = (0..n)
        .filter(|i| results[*i].is_none() && !fresh_set.contains(i) && dup_of[*i].is_none())
        .collect();
    let workers = if image.sequential {
        1
    } else {
        let p = if opts.parallel == 0 {
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
        } else {
            opts.parallel
        };
        p.min(todo.len()).max(1)
    };
    // The first failure stops new walks; the layers already being walked finish.
    let walked = trawl_types::pool::map_until(
        todo.clone(),
        workers,
        |i| walk(&image.layers[i], analyzers, &opts.budget, opts.limits),
        Result::is_err,
    );
    let mut warnings: Vec<Warning> = Vec::new();
    let mut done: Vec<(usize, Result<LayerResult, WalkError>)> = todo
        .iter()
        .zip(walked)
        .filter_map(|(&i, r)| r.map(|r| (i, r)))
        .collect();
    done.extend(fresh.into_iter().map(|(i, r)| (i, Ok(r))));
    done.sort_by_key(|(i, _)| *i);
    for (i, r) in done {
        let r = r?;
        if let (Some(cache), Some(k)) = (&opts.cache, &keys[i])
            && let Err(e) = trawl_layers::put_json(cache.as_ref(), k, &r)
        {
            warnings.push(Warning {
                message: format!("layer cache: {e}"),
                path: None,
                layer: Some(image.layers[i].label()),
            });
        }
        results[i] = Some(r);
    }
    for i in 0..n {
        if let Some(j) = dup_of[i]
            && results[i].is_none()
        {
            results[i] = results[j].clone();
        }
    }
    let results: Vec<LayerResult> = results
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|| unreachable_layer(i)))
        .collect();
    let cache_hits = cached.iter().filter(|c| **c).count();
    Ok(merge(
        image, analyzers, opts, results, &cached, cache_hits, warnings,
    ))
}

#[cold]
fn unreachable_layer(i: usize) -> LayerResult {
    // Every layer is either cached or walked (a walk error returned early above).
    debug_assert!(false, "layer {i} has no result");
    LayerResult::default()
}

type FileOutputs = BTreeMap<String, AnalysisOutput>;

/// One analyzer's view of one path: the versions of its output, oldest first.
struct View<'a> {
    path: String,
    analyzer: &'a str,
    versions: Vec<(usize, &'a AnalysisOutput)>,
}

/// A link some analyzers want, whose target they do not read under its own name.
struct LinkNeed<'a> {
    path: String,
    target: String,
    analyzers: Vec<&'a dyn Analyzer>,
    /// The layer of the target's current version, when some analyzer read the target.
    known: Option<usize>,
}

/// Whether `path` (or a parent) is deleted by these whiteouts / hidden by these opaque dirs.
fn deleted_by(path: &str, (whiteouts, opaques): &(Vec<String>, Vec<String>)) -> bool {
    let under =
        |p: &str, dir: &str| dir.is_empty() || p == dir || p.starts_with(&format!("{dir}/"));
    whiteouts.iter().any(|w| under(path, w)) || opaques.iter().any(|d| under(path, d) && path != d)
}

/// Reads the targets of wanted links and runs the wanting analyzers on them under the link's path. The target
/// is looked for in the layer that last wrote it when known, else from the top layer down (stopping where a
/// layer deletes it). Each layer is read at most once, whatever the number of links: every target a layer may
/// hold is collected in that one pass.
fn read_link_targets<'a>(
    image: &Image,
    deletions: &[(Vec<String>, Vec<String>)],
    needs: Vec<LinkNeed<'a>>,
    budget: &Arc<ReadBudget>,
    limits: Limits,
    warnings: &mut Vec<Warning>,
) -> Vec<(String, &'a str, usize, AnalysisOutput)> {
    let mut out = Vec::new();
    let candidates: Vec<Vec<usize>> = needs
        .iter()
        .map(|need| match need.known {
            Some(l) => vec![l],
            None => {
                let mut c = Vec::new();
                for k in (0..image.layers.len()).rev() {
                    c.push(k);
                    if deleted_by(&need.target, &deletions[k]) {
                        break;
                    }
                }
                c
            }
        })
        .collect();
    // Layer -> the targets looked for in it.
    let mut per_layer: BTreeMap<usize, HashSet<&str>> = BTreeMap::new();
    for (need, cands) in needs.iter().zip(&candidates) {
        for k in cands {
            per_layer
                .entry(*k)
                .or_default()
                .insert(need.target.as_str());
        }
    }
    let mut read: BTreeMap<usize, Result<ReadFiles, String>> = BTreeMap::new();
    for (k, targets) in per_layer {
        read.insert(k, read_many(&image.layers[k], &targets, budget));
    }
    for (need, cands) in needs.iter().zip(&candidates) {
        let mut found = None;
        for &k in cands {
            match read.get(&k) {
                Some(Ok(files)) => {
                    if let Some(f) = files.get(&need.target) {
                        found = Some((k, f));
                        break;
                    }
                }
                Some(Err(e)) => {
                    warnings.push(Warning {
                        message: format!("{} -> {}: {e}", need.path, need.target),
                        path: Some(need.path.clone()),
                        layer: Some(image.layers[k].label()),
                    });
                    break;
                }
                None => {}
            }
        }
        let Some((k, (meta, content))) = found else {
            continue;
        };
        let input = AnalysisInput {
            path: &need.path,
            content,
            meta: *meta,
            limits,
        };
        for &a in &need.analyzers {
            match a.analyze(&input) {
                Ok(o) => out.push((need.path.clone(), a.name(), k, o)),
                Err(e) => warnings.push(Warning {
                    message: format!(
                        "{}: {} (link to {}, layer {k}): {}",
                        a.name(),
                        need.path,
                        need.target,
                        e.message
                    ),
                    path: Some(need.path.clone()),
                    layer: Some(image.layers[k].label()),
                }),
            }
        }
    }
    out
}

/// Files read from a layer: path -> metadata and content.
type ReadFiles = BTreeMap<String, (FileMeta, Vec<u8>)>;

/// Reads the regular files `paths` of a layer in one pass (the ones it holds). What is kept counts against the
/// budget's total: targets past it are skipped with an error naming them.
fn read_many(
    layer: &Layer,
    paths: &HashSet<&str>,
    budget: &Arc<ReadBudget>,
) -> Result<ReadFiles, String> {
    if layer.root_dir().is_some() {
        let mut got = BTreeMap::new();
        for p in paths {
            if let Some(f) = read_one(layer, p, budget)? {
                got.insert((*p).to_owned(), f);
            }
        }
        return Ok(got);
    }
    struct Many<'p> {
        paths: &'p HashSet<&'p str>,
        got: ReadFiles,
        held: u64,
        budget: Arc<ReadBudget>,
        over: Vec<String>,
    }
    impl Visitor for Many<'_> {
        fn wants(&self, path: &str, _mode: u32, _size: u64) -> bool {
            self.paths.contains(path)
        }
        fn needs_content(&self, _path: &str, _mode: u32, size: u64) -> bool {
            self.held.saturating_add(size) <= self.budget.total()
        }
        fn visit(&mut self, path: &str, mode: u32, size: u64, content: &[u8]) {
            if content.len() as u64 != size {
                self.over.push(path.to_owned());
                return;
            }
            self.held += size;
            self.got
                .insert(path.to_owned(), (FileMeta { mode, size }, content.to_vec()));
        }
        fn budget(&self) -> Arc<ReadBudget> {
            Arc::clone(&self.budget)
        }
    }
    let mut v = Many {
        paths,
        got: BTreeMap::new(),
        held: 0,
        budget: Arc::clone(budget),
        over: Vec::new(),
    };
    trawl_layers::walk_layer(layer, &mut v).map_err(|e| e.to_string())?;
    if let Some(p) = v.over.first() {
        return Err(format!(
            "link targets of this layer hold more than the total read limit of {} bytes (first skipped: `{p}`; \
             raise it with --max-read-total)",
            budget.total()
        ));
    }
    Ok(v.got)
}

/// Reads one regular file of a directory layer (`path` is resolved through the recorded symlinks; anything
/// leaving the root on disk is still refused).
fn read_one(
    layer: &Layer,
    path: &str,
    budget: &ReadBudget,
) -> Result<Option<(FileMeta, Vec<u8>)>, String> {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    let Some(root) = layer.root_dir() else {
        return Ok(None);
    };
    let full = root.join(path);
    let (Ok(real), Ok(real_root)) = (full.canonicalize(), root.canonicalize()) else {
        return Ok(None);
    };
    if !real.starts_with(&real_root) {
        return Ok(None);
    }
    let Ok(meta) = std::fs::metadata(&real) else {
        return Ok(None);
    };
    if !meta.is_file() {
        return Ok(None);
    }
    if let Some(why) = budget.refusal(meta.len()) {
        return Err(format!("not read: {why}"));
    }
    let mut content = Vec::new();
    std::fs::File::open(&real)
        .and_then(|f| f.take(meta.len()).read_to_end(&mut content))
        .map_err(|e| e.to_string())?;
    Ok(Some((
        FileMeta {
            mode: 0o100_000 | (meta.permissions().mode() & 0o7777),
            size: meta.len(),
        },
        content,
    )))
}

fn same_package(a: &Package, b: &Package) -> bool {
    a.name == b.name
        && a.version == b.version
        && a.source_name == b.source_name
        && a.source_version == b.source_version
        && a.arch == b.arch
        && a.ecosystem == b.ecosystem
}

fn merge(
    image: &Image,
    analyzers: &[Arc<dyn Analyzer>],
    opts: &AnalyzeOptions,
    results: Vec<LayerResult>,
    cached: &[bool],
    cache_hits: usize,
    mut warnings: Vec<Warning>,
) -> AnalyzedImage {
    let is_image = image.kind == ArtifactKind::ContainerImage;
    let refs: Vec<LayerRef> = image.layers.iter().map(layer_ref).collect();
    let layer_label = |i: usize| image.layers.get(i).map(Layer::label);

    let deletions: Vec<(Vec<String>, Vec<String>)> = results
        .iter()
        .map(|r| (r.entries.whiteouts.clone(), r.entries.opaque_dirs.clone()))
        .collect();
    let mut skipped_files: BTreeMap<String, usize> = BTreeMap::new();
    for r in &results {
        for (reason, n) in &r.skipped {
            *skipped_files.entry(reason.clone()).or_default() += n;
        }
    }
    let mut tree: MergedTree<FileOutputs> = MergedTree::new();
    for (i, r) in results.into_iter().enumerate() {
        for w in &r.entries.warnings {
            warnings.push(Warning {
                message: format!("layer {i}: {w}"),
                path: None,
                layer: layer_label(i),
            });
        }
        for e in &r.errors {
            warnings.push(Warning {
                message: format!("{}: {} (layer {i}): {}", e.analyzer, e.path, e.message),
                path: Some(e.path.clone()),
                layer: layer_label(i),
            });
        }
        tree.apply_layer(i, &r.entries, r.files);
    }

    // Links an analyzer wants whose target it does not read itself: read the target again (rare).
    let link_meta = FileMeta {
        mode: 0o100_644,
        size: 0,
    };
    let mut needs: Vec<LinkNeed> = Vec::new();
    for (path, node) in tree.iter() {
        let link_layer = match node {
            Node::Symlink { layer, .. } | Node::Hardlink { layer, .. } => *layer,
            Node::File(_) => continue,
        };
        let wanting: Vec<&dyn Analyzer> = analyzers
            .iter()
            .map(AsRef::as_ref)
            .filter(|a| a.required(path, &link_meta))
            .collect();
        if wanting.is_empty() {
            continue;
        }
        let Some(target) = tree.resolve(path) else {
            warnings.push(Warning {
                message: format!(
                    "{path}: symlink loop, or more links than {} to follow (layer {link_layer})",
                    trawl_layers::MAX_LINK_HOPS
                ),
                path: Some(path.clone()),
                layer: layer_label(link_layer),
            });
            continue;
        };
        let wanting: Vec<_> = wanting
            .into_iter()
            .filter(|a| !a.required(&target, &link_meta))
            .collect();
        if wanting.is_empty() || target.is_empty() {
            continue;
        }
        let known = match tree.get(&target) {
            Some(Node::File(v)) => v.last().map(|(l, _)| *l),
            _ => None,
        };
        needs.push(LinkNeed {
            path: path.clone(),
            target,
            analyzers: wanting,
            known,
        });
    }
    let linked: Vec<(String, &str, usize, AnalysisOutput)> = read_link_targets(
        image,
        &deletions,
        needs,
        &opts.budget,
        opts.limits,
        &mut warnings,
    );

    // Per analyzer, per path: the versions of the output.
    let mut views: Vec<View<'_>> = Vec::new();
    for (path, node) in tree.iter() {
        let Node::File(versions) = node else { continue };
        let names: std::collections::BTreeSet<&str> = versions
            .iter()
            .flat_map(|(_, outs)| outs.keys().map(String::as_str))
            .collect();
        for name in names {
            // Versions without this analyzer's output (it did not want the file then) break continuity.
            let mut vs = Vec::new();
            for (layer, outs) in versions {
                match outs.get(name) {
                    Some(o) => vs.push((*layer, o)),
                    None => vs.clear(),
                }
            }
            if !vs.is_empty() {
                views.push(View {
                    path: path.clone(),
                    analyzer: name,
                    versions: vs,
                });
            }
        }
    }
    for (path, analyzer, layer, out) in &linked {
        views.push(View {
            path: path.clone(),
            analyzer,
            versions: vec![(*layer, out)],
        });
    }

    // OS.
    let mut os: Option<(u8, usize, OsInfo)> = None;
    for v in &views {
        let (layer, out) = *v.versions.last().expect("views are never empty");
        if let Some(o) = &out.os {
            let prio = os_priority(&v.path);
            if os.as_ref().is_none_or(|(p, l, _)| (prio, layer) > (*p, *l)) {
                os = Some((prio, layer, o.clone()));
            }
        }
    }
    let os = os.map(|(_, _, o)| o);

    // The declaration name behind each analyzer's name (a path-filtered analyzer's name is not its declaration's),
    // recorded on every package: what its report type and grouping come from. Set here, after the cache (which
    // stores outputs per analyzer name), so cached layers give the same packages.
    let declared: std::collections::HashMap<&str, &'static str> = analyzers
        .iter()
        .map(|a| (a.name(), a.declaration().name))
        .collect();

    // Packages, secrets, misconfigurations, analyzer warnings from the current version of each file.
    let mut packages: Vec<Package> = Vec::new();
    let mut secrets = Vec::new();
    let mut misconfigurations = Vec::new();
    for v in &views {
        let last = v.versions.len() - 1;
        let (layer, out) = v.versions[last];
        for w in &out.warnings {
            warnings.push(Warning {
                message: format!("{} (layer {layer}): {w}", v.analyzer),
                path: Some(v.path.clone()),
                layer: layer_label(layer),
            });
        }
        for p in &out.packages {
            let mut origin = last;
            while origin > 0
                && v.versions[origin - 1]
                    .1
                    .packages
                    .iter()
                    .any(|q| same_package(p, q))
            {
                origin -= 1;
            }
            let mut p = p.clone();
            if p.file_path.is_empty() {
                p.file_path = v.path.clone();
            }
            p.analyzer = declared.get(v.analyzer).copied();
            if is_image {
                p.layer = refs.get(v.versions[origin].0).cloned();
            }
            packages.push(p);
        }
        for s in &out.secrets {
            let mut s = s.clone();
            if is_image && s.layer.is_none() {
                s.layer = refs.get(layer).cloned();
            }
            secrets.push(s);
        }
        for m in &out.misconfigurations {
            let mut m = m.clone();
            if is_image && m.layer.is_none() {
                m.layer = refs.get(layer).cloned();
            }
            misconfigurations.push(m);
        }
    }

    // Language packages in files an OS package owns are the OS package's business.
    let owned: HashSet<&str> = packages
        .iter()
        .filter(|p| p.ecosystem.is_some_and(trawl_types::Ecosystem::is_os))
        .flat_map(|p| p.installed_files.iter().map(|f| f.trim_start_matches('/')))
        .chain(
            views
                .iter()
                .flat_map(|v| v.versions[v.versions.len() - 1].1.system_files.iter())
                .map(|f| f.trim_start_matches('/')),
        )
        .collect();
    let mut packages: Vec<Package> = if owned.is_empty() {
        packages
    } else {
        let owned: HashSet<String> = owned.into_iter().map(str::to_owned).collect();
        packages
            .into_iter()
            .filter(|p| {
                p.ecosystem.is_some_and(trawl_types::Ecosystem::is_os)
                    || !(owned.contains(&p.file_path)
                        || usrmerge_alias(&p.file_path).is_some_and(|a| owned.contains(&a)))
            })
            .collect()
    };
    for p in &mut packages {
        if p.purl.is_none() {
            p.purl = p.build_purl(os.as_ref());
        }
    }
    packages.sort_by(|a, b| {
        (&a.file_path, &a.name, &a.version, &a.arch).cmp(&(
            &b.file_path,
            &b.name,
            &b.version,
            &b.arch,
        ))
    });
    secrets.sort_by(|a, b| {
        (&a.path, a.start_line, &a.rule_id).cmp(&(&b.path, b.start_line, &b.rule_id))
    });
    misconfigurations
        .sort_by(|a, b| (&a.path, &a.id, a.start_line).cmp(&(&b.path, &b.id, b.start_line)));

    let layers = image
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| LayerReport {
            layer: refs[i].clone(),
            size: l.size,
            cached: cached[i],
        })
        .collect();
    AnalyzedImage {
        inventory: Inventory {
            os,
            packages,
            warnings,
        },
        secrets,
        misconfigurations,
        layers,
        cache_hits,
        cache_misses: image.layers.len() - cache_hits,
        skipped_files,
    }
}

/// The other name of a path on a merged-/usr system (`bin/x` <-> `usr/bin/x`, also `sbin`, `lib`, `lib32`,
/// `lib64`, `libx32`): dpkg lists a file under the name its package ships it, which may be either.
fn usrmerge_alias(path: &str) -> Option<String> {
    const DIRS: &[&str] = &["bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/"];
    if let Some(rest) = path.strip_prefix("usr/") {
        DIRS.iter()
            .any(|d| rest.starts_with(d))
            .then(|| rest.to_owned())
    } else {
        DIRS.iter()
            .any(|d| path.starts_with(d))
            .then(|| format!("usr/{path}"))
    }
}

#[cfg(test)]
mod tests;
