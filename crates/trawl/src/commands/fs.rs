//! `trawl rootfs DIR` (image-style analyzers over an unpacked root filesystem) and `trawl fs DIR` (lockfiles and
//! manifests of a checkout).

use crate::cli::PathArgs;
use crate::settings::{Settings, Target};
use std::process::ExitCode;
use trawl_report::ArtifactType;
use trawl_source::SourceSpec;

pub(crate) fn rootfs(args: PathArgs) -> anyhow::Result<ExitCode> {
    let settings = Settings::resolve(args.scan, Target::Rootfs)?;
    let spec = SourceSpec::Rootfs(args.path.clone());
    crate::scan::run_one(
        &args.path.display().to_string(),
        &spec,
        ArtifactType::Rootfs,
        &settings,
    )
}

pub(crate) fn fs(args: PathArgs) -> anyhow::Result<ExitCode> {
    let settings = Settings::resolve(args.scan, Target::Fs)?;
    let spec = SourceSpec::Rootfs(args.path.clone());
    crate::scan::run_one(
        &args.path.display().to_string(),
        &spec,
        ArtifactType::Filesystem,
        &settings,
    )
}
