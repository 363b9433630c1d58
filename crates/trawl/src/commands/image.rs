//! `trawl image`: one image, or many (several references, `--images-from`, `--platform all`) as one run.

use crate::cli::ImageArgs;
use crate::settings::{Settings, Target};
use anyhow::bail;
use std::process::ExitCode;
use trawl_report::ArtifactType;
use trawl_source::SourceSpec;

pub(crate) fn run(args: ImageArgs) -> anyhow::Result<ExitCode> {
    let settings = Settings::resolve(args.scan, Target::Image)?;
    let mut specs = Vec::new();
    if let Some(input) = &args.input {
        specs.push((input.display().to_string(), SourceSpec::detect(input)?));
    }
    let remote = crate::settings::remote_options(&args.remote, &settings, Default::default())?;
    for i in args
        .images
        .iter()
        .chain(&crate::settings::listed_images(&args.remote)?)
    {
        let spec = crate::scan::apply_remote(SourceSpec::parse(i)?, &remote);
        specs.push((i.clone(), spec));
    }
    if specs.is_empty() {
        bail!("nothing to scan: give an image reference or --input PATH");
    }
    let all_platforms = remote.platform == trawl_registry::PlatformSelector::All;
    if args.server.is_some() && (specs.len() > 1 || all_platforms) {
        bail!("--server scans one image at a time");
    }
    if specs.len() > 1 || all_platforms {
        let title = if specs.len() == 1 {
            specs[0].0.clone()
        } else {
            format!("{} images", specs.len())
        };
        return crate::scan::many::scan_many(&title, specs, Vec::new(), &settings, None);
    }
    let (name, spec) = specs.remove(0);
    if let Some(server) = &args.server {
        let token = args.server_token.as_ref().map(|t| t.expose().to_owned());
        let mut report = crate::scan::client::match_on_server(
            &name,
            &spec,
            server,
            token.as_deref(),
            &settings,
        )?;
        return crate::output::finish(&mut report, &settings);
    }
    crate::scan::run_one(&name, &spec, ArtifactType::ContainerImage, &settings)
}
