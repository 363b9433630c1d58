//! `trawl registry scan --store postgres://...`: inventories and reports kept in `trawl server`'s PostgreSQL
//! store, keyed by manifest digest. An image whose digest already has an inventory is not pulled (only its
//! manifest is read, for the digest): the stored inventory is matched again against this run's DB.

use crate::dbsupply::DbSupply;
use crate::scan::stored::StoredImage;
use crate::settings::Settings;
use anyhow::Context;
use trawl_policy::Policy;
use trawl_report::Report;
use trawl_server::store::BlockingStore;
use trawl_source::SourceSpec;

/// The DB version recorded in the store's finding history for CLI runs.
const CLI_DB_VERSION: &str = "cli";

/// The manifest digest of a registry image (`None` for other sources: they are scanned as usual).
fn manifest_digest(spec: &SourceSpec) -> anyhow::Result<Option<String>> {
    let SourceSpec::Registry { reference, options } = spec else {
        return Ok(None);
    };
    let client = match &options.client {
        Some(c) => c.clone(),
        None => trawl_registry::Client::new(trawl_registry::ClientOptions::default())?,
    };
    let r: trawl_registry::Reference = reference
        .parse()
        .with_context(|| format!("invalid reference {reference}"))?;
    Ok(Some(client.pull_manifest(&r)?.digest.to_string()))
}

/// Scans one image through the store: re-matched from its stored inventory, else analysed and stored.
pub(crate) fn scan_with_store(
    name: &str,
    spec: &SourceSpec,
    settings: &Settings,
    db: Option<&DbSupply>,
    policy: &Policy,
    store: &BlockingStore,
) -> anyhow::Result<Report> {
    let started = std::time::Instant::now();
    let db = db.context("--store needs the vulnerability scanner (and its DB)")?;
    let digest = manifest_digest(spec).with_context(|| format!("cannot read {name}"))?;
    if let Some(d) = &digest
        && let Some(inventory) = store.inventory(d)?
    {
        let stored = StoredImage::deserialize_from(&inventory)
            .with_context(|| format!("stored inventory of {d}"))?;
        let report = stored.report(settings, policy, db, started)?;
        store.save_image(d, name, &inventory, &report, CLI_DB_VERSION)?;
        tracing::info!("{name}: inventory of {d} from the store, re-matched (not pulled)");
        return Ok(report);
    }
    let (image, analyzed) =
        super::analyse_source(name, spec, settings, super::file_cache(settings)?)?;
    let (base, _) = super::base::find(&image, spec, settings);
    let stored = StoredImage::from_analysis(name, image, analyzed, base);
    let inventory = serde_json::to_value(&stored)?;
    let report = stored.report(settings, policy, db, started)?;
    if let Some(d) = &digest {
        store.save_image(d, name, &inventory, &report, CLI_DB_VERSION)?;
    }
    Ok(report)
}
