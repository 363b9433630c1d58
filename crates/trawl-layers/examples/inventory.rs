//! Inventory of an image through the library path the CLI is meant to use (`open_and_analyze` with the saved
//! archive index), for bench/inventory/run.sh. Prints `PACKAGES LAYERS CACHE_HITS` on stdout.
//!
//! Usage: `inventory PATH CACHE_DIR [--two-pass]`

use std::process::ExitCode;
use std::sync::Arc;
use trawl_analyzers::pipeline::{AnalyzeOptions, analyze, open_and_analyze};
use trawl_layers::{FsCache, LayerCache};
use trawl_source::{OpenOptions, SourceSpec};

#[expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line example"
)]
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(cache_dir)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: inventory PATH CACHE_DIR [--two-pass]");
        return ExitCode::from(2);
    };
    let two_pass = args.iter().any(|a| a == "--two-pass");
    let run = || -> Result<(usize, usize, usize), String> {
        let spec = SourceSpec::detect(std::path::Path::new(path)).map_err(|e| e.to_string())?;
        let cache: Arc<dyn LayerCache> = Arc::new(
            FsCache::open(std::path::Path::new(cache_dir).join("layers"))
                .map_err(|e| e.to_string())?,
        );
        let opts = AnalyzeOptions {
            // What `trawl image --scanners none` runs: OS and language packages.
            analyzers: trawl_analyzers::ALL
                .iter()
                .filter(|d| {
                    matches!(
                        d.kind,
                        trawl_analyzers::AnalyzerKind::OsPackages
                            | trawl_analyzers::AnalyzerKind::Library
                    )
                })
                .map(|d| d.analyzer(&trawl_analyzers::Config::default()))
                .collect(),
            cache: Some(cache),
            parallel: 0,
            ..Default::default()
        };
        let source = OpenOptions {
            index_dir: Some(std::path::Path::new(cache_dir).join("sources")),
            ..Default::default()
        };
        let analyzed = if two_pass {
            let image = trawl_source::open_with(&spec, &source).map_err(|e| e.to_string())?;
            analyze(&image, &opts).map_err(|e| e.to_string())?
        } else {
            open_and_analyze(&spec, &source, &opts)
                .map_err(|e| e.to_string())?
                .1
        };
        Ok((
            analyzed.inventory.packages.len(),
            analyzed.layers.len(),
            analyzed.cache_hits,
        ))
    };
    match run() {
        Ok((p, l, h)) => {
            println!("{p} {l} {h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
