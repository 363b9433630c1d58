//! Finding the base image of an image.

use serde::{Deserialize, Serialize};
use trawl_types::{BaseDetection, BaseImage, HistoryEntry};

/// The label / annotation naming the base image (OCI image spec, pre-defined annotation keys).
pub const BASE_NAME_KEY: &str = "org.opencontainers.image.base.name";
/// The label / annotation giving the base image's manifest digest.
pub const BASE_DIGEST_KEY: &str = "org.opencontainers.image.base.digest";

/// An image that may be the base: its reference and its layers (diff IDs, bottom first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// `registry/repo:tag` (or any name the image is known by).
    pub reference: String,
    /// Its manifest digest, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Its layers' diff IDs, bottom first.
    pub diff_ids: Vec<String>,
}

/// The base an image names itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// `org.opencontainers.image.base.name`.
    pub name: Option<String>,
    /// `org.opencontainers.image.base.digest`.
    pub digest: Option<String>,
    /// `annotation` or `label`: where it was read.
    pub source: &'static str,
}

impl Named {
    /// The base named by the manifest's annotations, else by the config's labels. Annotations come first: labels
    /// are inherited from the base's own config, so a label may name the base's base; annotations are not.
    pub fn find(annotations: &[(String, String)], labels: &[(String, String)]) -> Option<Named> {
        for (pairs, source) in [(annotations, "annotation"), (labels, "label")] {
            let get = |key: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
            };
            let name = get(BASE_NAME_KEY);
            let digest = get(BASE_DIGEST_KEY);
            if name.is_some() || digest.is_some() {
                return Some(Named {
                    name,
                    digest,
                    source,
                });
            }
        }
        None
    }

    /// `name@digest`, `name`, or `@digest`: what to show.
    pub fn describe(&self) -> String {
        match (&self.name, &self.digest) {
            (Some(n), Some(d)) if !n.contains('@') => format!("{n}@{d}"),
            (Some(n), _) => n.clone(),
            (None, Some(d)) => format!("@{d}"),
            (None, None) => String::new(),
        }
    }
}

/// Whether `base`'s layers are the bottom layers of `image` (all of them at most).
fn is_prefix(base: &[String], image: &[String]) -> bool {
    !base.is_empty() && base.len() <= image.len() && image.starts_with(base)
}

/// The candidate with the most layers whose layers are the image's bottom layers, and fewer than the image has
/// (an image with the same layers is the image itself, under another name). Ties go to the earlier candidate.
pub fn by_layers<'a>(diff_ids: &[String], candidates: &'a [Candidate]) -> Option<&'a Candidate> {
    let mut best: Option<&Candidate> = None;
    for c in candidates {
        if c.diff_ids.len() < diff_ids.len()
            && is_prefix(&c.diff_ids, diff_ids)
            && best.is_none_or(|b| c.diff_ids.len() > b.diff_ids.len())
        {
            best = Some(c);
        }
    }
    best
}

/// Where the build history puts the base: how many layers it made, and its last step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryBase {
    /// Layers made by the steps up to the base's last step.
    pub layers: usize,
    /// The base's last step (`CMD ["bash"]`).
    pub step: String,
}

/// The instruction of a history step, without the classic builder's `/bin/sh -c #(nop) ` prefix.
fn instruction(created_by: &str) -> &str {
    let s = created_by.trim();
    s.strip_prefix("/bin/sh -c #(nop)")
        .unwrap_or(s)
        .trim_start()
}

/// Whether a step sets the container's command: how Dockerfiles of base images end (`CMD ["bash"]`,
/// `ENTRYPOINT ["/docker-entrypoint.sh"]`).
fn ends_an_image(created_by: &str) -> bool {
    let i = instruction(created_by);
    let word = i
        .split(|c: char| c.is_whitespace() || c == '[')
        .next()
        .unwrap_or("");
    word.eq_ignore_ascii_case("CMD") || word.eq_ignore_ascii_case("ENTRYPOINT")
}

/// The base as the build history shows it: the last step that sets the command (`CMD`, `ENTRYPOINT`, as base
/// images' Dockerfiles end) followed by steps that made layers. The history must account for exactly
/// `layer_count` layers, else it is not trusted (squashed or rewritten images).
pub fn by_history(history: &[HistoryEntry], layer_count: usize) -> Option<HistoryBase> {
    let made = history.iter().filter(|h| !h.empty_layer).count();
    if made != layer_count || layer_count < 2 {
        return None;
    }
    let mut layers_so_far = 0;
    let mut found: Option<HistoryBase> = None;
    for h in history {
        if !h.empty_layer {
            layers_so_far += 1;
            continue;
        }
        if let Some(step) = h.created_by.as_deref()
            && ends_an_image(step)
            && layers_so_far > 0
            && layers_so_far < layer_count
        {
            found = Some(HistoryBase {
                layers: layers_so_far,
                step: instruction(step).to_owned(),
            });
        }
    }
    found
}

/// What [`detect`] works from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence<'a> {
    /// The image's layers (diff IDs), bottom first.
    pub diff_ids: &'a [String],
    /// The image's build history.
    pub history: &'a [HistoryEntry],
    /// `--base-image`, fetched (its reference and layers).
    pub given: Option<&'a Candidate>,
    /// The base the image names (label or annotation), and that image fetched when it could be.
    pub named: Option<(&'a Named, Option<&'a Candidate>)>,
    /// Known images: `--base-catalog`'s, and those scanned before into the same cache.
    pub candidates: &'a [Candidate],
}

/// The base image, by the strongest evidence that holds:
/// 1. `--base-image`, when its layers are the image's bottom layers;
/// 2. the named base (annotation, then label), when its layers are the image's bottom layers;
/// 3. the known image with the most layers that are the image's bottom layers;
/// 4. the build history (named by the label or annotation when there is one, unverified).
///
/// A named or given base whose layers are not at the bottom of the image is ignored (a stale label).
pub fn detect(e: &Evidence<'_>) -> Option<BaseImage> {
    if let Some(given) = e.given
        && is_prefix(&given.diff_ids, e.diff_ids)
    {
        return Some(BaseImage {
            name: Some(given.reference.clone()),
            digest: given.digest.clone(),
            layers: given.diff_ids.len(),
            detected_by: BaseDetection::Given,
            evidence: Some(format!("--base-image {}", given.reference)),
        });
    }
    if let Some((named, Some(fetched))) = e.named
        && is_prefix(&fetched.diff_ids, e.diff_ids)
    {
        return Some(BaseImage {
            name: named
                .name
                .clone()
                .or_else(|| Some(fetched.reference.clone())),
            digest: named.digest.clone().or_else(|| fetched.digest.clone()),
            layers: fetched.diff_ids.len(),
            detected_by: BaseDetection::Label,
            evidence: Some(format!("{} {}", named.source, named.describe())),
        });
    }
    if let Some(c) = by_layers(e.diff_ids, e.candidates) {
        return Some(BaseImage {
            name: Some(c.reference.clone()),
            digest: c.digest.clone(),
            layers: c.diff_ids.len(),
            detected_by: BaseDetection::Layers,
            evidence: Some(format!(
                "the {} bottom layer(s) are {}'s",
                c.diff_ids.len(),
                c.reference
            )),
        });
    }
    let h = by_history(e.history, e.diff_ids.len())?;
    let named = e.named.map(|(n, _)| n);
    Some(BaseImage {
        name: named.and_then(|n| n.name.clone()),
        digest: named.and_then(|n| n.digest.clone()),
        layers: h.layers,
        detected_by: BaseDetection::History,
        evidence: Some(format!("history: the base ends with `{}`", h.step)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: &[u8]) -> Vec<String> {
        n.iter().map(|i| format!("sha256:{i:064}")).collect()
    }

    fn step(created_by: &str, empty: bool) -> HistoryEntry {
        HistoryEntry {
            created_by: Some(created_by.to_owned()),
            empty_layer: empty,
            ..Default::default()
        }
    }

    fn cand(reference: &str, layers: &[u8]) -> Candidate {
        Candidate {
            reference: reference.to_owned(),
            digest: None,
            diff_ids: ids(layers),
        }
    }

    #[test]
    fn longest_proper_prefix_wins() {
        let image = ids(&[1, 2, 3, 4]);
        let c = [
            cand("debian:12", &[1]),
            cand("python:3.12", &[1, 2, 3]),
            cand("other", &[1, 9]),
            cand("itself", &[1, 2, 3, 4]),
            cand("bigger", &[1, 2, 3, 4, 5]),
        ];
        assert_eq!(
            by_layers(&image, &c).map(|c| c.reference.as_str()),
            Some("python:3.12")
        );
        assert!(by_layers(&image, &c[2..]).is_none());
        assert!(by_layers(&image, &[]).is_none());
    }

    #[test]
    fn history_of_classic_and_buildkit_builds() {
        // debian:12 as published (debuerreotype, then CMD), then a BuildKit app build.
        let h = [
            step(
                "# debian.sh --arch 'amd64' out/ 'bookworm' '@1733097600'",
                false,
            ),
            step("/bin/sh -c #(nop)  CMD [\"bash\"]", true),
            step("WORKDIR /app", true),
            step("COPY app /app # buildkit", false),
            step("RUN /bin/sh -c true # buildkit", false),
            step("CMD [\"/app/run\"]", true),
        ];
        let b = by_history(&h, 3).expect("found");
        assert_eq!(b.layers, 1);
        assert_eq!(b.step, "CMD [\"bash\"]");
        // Two generations: python on debian; the last CMD followed by layers is python's.
        let h = [
            step("/bin/sh -c #(nop) ADD file:abc in / ", false),
            step("/bin/sh -c #(nop)  CMD [\"bash\"]", true),
            step("RUN /bin/sh -c apt-get install python3", false),
            step("ENTRYPOINT [\"python3\"]", true),
            step("COPY . /src", false),
        ];
        assert_eq!(by_history(&h, 3).map(|b| b.layers), Some(2));
        // The image's own final step is no boundary (nothing follows it); a history that does not account for the
        // layers is not trusted; an image with no CMD in its base has no boundary.
        assert_eq!(by_history(&h[..4], 2).map(|b| b.layers), Some(1));
        assert_eq!(by_history(&h, 4), None);
        let h = [
            step("ADD rootfs.tar /", false),
            step("COPY app /app", false),
        ];
        assert_eq!(by_history(&h, 2), None);
    }

    #[test]
    fn evidence_in_order_and_stale_labels_ignored() {
        let image = ids(&[1, 2, 3]);
        let history = [
            step("ADD x /", false),
            step("CMD [\"sh\"]", true),
            step("COPY a /a", false),
            step("COPY b /b", false),
        ];
        let named = Named::find(&[], &[(BASE_NAME_KEY.to_owned(), "reg/base:1".to_owned())])
            .expect("named");
        assert_eq!(named.source, "label");
        let fetched = cand("reg/base:1", &[1, 2]);
        let catalog = [cand("reg/alpine:3", &[1])];
        let e = Evidence {
            diff_ids: &image,
            history: &history,
            given: None,
            named: Some((&named, Some(&fetched))),
            candidates: &catalog,
        };
        let b = detect(&e).expect("label");
        assert_eq!((b.detected_by, b.layers), (BaseDetection::Label, 2));
        assert_eq!(b.name.as_deref(), Some("reg/base:1"));
        // A label naming an image whose layers are not at the bottom is stale: the catalog decides.
        let stale = cand("reg/base:1", &[7]);
        let b = detect(&Evidence {
            named: Some((&named, Some(&stale))),
            ..e
        })
        .expect("layers");
        assert_eq!((b.detected_by, b.layers), (BaseDetection::Layers, 1));
        assert_eq!(b.name.as_deref(), Some("reg/alpine:3"));
        // Nothing fetched, nothing known: the history, under the label's (unverified) name.
        let b = detect(&Evidence {
            named: Some((&named, None)),
            candidates: &[],
            ..e
        })
        .expect("history");
        assert_eq!((b.detected_by, b.layers), (BaseDetection::History, 1));
        assert_eq!(b.name.as_deref(), Some("reg/base:1"));
        // --base-image first.
        let given = cand("reg/given:2", &[1, 2, 3]);
        let b = detect(&Evidence {
            given: Some(&given),
            ..e
        })
        .expect("given");
        assert_eq!((b.detected_by, b.layers), (BaseDetection::Given, 3));
        // Nothing at all.
        assert!(
            detect(&Evidence {
                diff_ids: &image,
                ..Default::default()
            })
            .is_none()
        );
    }

    #[test]
    fn annotations_before_labels() {
        let a = [(BASE_NAME_KEY.to_owned(), "from-annotation".to_owned())];
        let l = [
            (BASE_NAME_KEY.to_owned(), "from-label".to_owned()),
            (BASE_DIGEST_KEY.to_owned(), "sha256:ab".to_owned()),
        ];
        let n = Named::find(&a, &l).expect("found");
        assert_eq!(
            (n.name.as_deref(), n.source),
            (Some("from-annotation"), "annotation")
        );
        let n = Named::find(&[], &l).expect("found");
        assert_eq!(n.describe(), "from-label@sha256:ab");
        assert!(Named::find(&[], &[("k".into(), "v".into())]).is_none());
    }
}
