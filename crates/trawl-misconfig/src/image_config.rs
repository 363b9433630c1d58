//! Checks on an image's config (the OCI/docker config JSON): user, exposed ports, healthcheck.

use crate::checks;
use trawl_types::{ConfigFileType, Healthcheck, ImageConfig, Misconfiguration};

/// Path given to image-config findings.
pub const IMAGE_CONFIG_PATH: &str = "image-config";

/// Runs the image-config checks (`TRAWL-IMG-*`), and the Dockerfile checks that apply to the history's
/// build steps (`TRAWL-DS-*` on `created_by`, line = history entry).
pub fn check_image_config(config: &ImageConfig) -> Vec<Misconfiguration> {
    let mut out = Vec::new();
    let user = config.user.as_deref().unwrap_or_default().trim();
    let name = user.split(':').next().unwrap_or_default();
    if name.is_empty() || name == "root" || name == "0" {
        let shown = if user.is_empty() {
            "no user (root)".to_owned()
        } else {
            format!("user `{user}`")
        };
        out.push(checks::failure(
            &checks::IMG_ROOT,
            IMAGE_CONFIG_PATH,
            format!("The image runs as {shown}"),
            None,
        ));
    }
    for port in &config.exposed_ports {
        let (num, proto) = port.split_once('/').unwrap_or((port.as_str(), "tcp"));
        if num == "22" && proto.eq_ignore_ascii_case("tcp") {
            out.push(checks::failure(
                &checks::IMG_SSH,
                IMAGE_CONFIG_PATH,
                format!("The image exposes {port}"),
                None,
            ));
        }
    }
    let healthy = config.healthcheck.as_ref().is_some_and(Healthcheck::runs);
    out.extend(history_checks(config));
    if !healthy {
        out.push(checks::failure(
            &checks::IMG_NO_HEALTHCHECK,
            IMAGE_CONFIG_PATH,
            "The image config has no HEALTHCHECK".into(),
            None,
        ));
    }
    out
}

/// Dockerfile checks that make sense on a built image's history (the rest — user, healthcheck, ports — are the
/// `TRAWL-IMG-*` checks, and FROM is gone from history).
const HISTORY_CHECKS: &[&str] = &[
    "TRAWL-DS-004",
    "TRAWL-DS-006",
    "TRAWL-DS-007",
    "TRAWL-DS-008",
    "TRAWL-DS-009",
    "TRAWL-DS-010",
    "TRAWL-DS-011",
    "TRAWL-DS-012",
    "TRAWL-DS-013",
    "TRAWL-DS-014",
    "TRAWL-DS-015",
    "TRAWL-DS-016",
    "TRAWL-DS-018",
];

/// Rebuilds Dockerfile instructions from the history's `created_by` lines (legacy builder and BuildKit forms),
/// one line per history entry, so line N is entry N (1-based).
pub fn dockerfile_from_history(config: &ImageConfig) -> String {
    let mut out = String::new();
    for h in &config.history {
        let c = h
            .created_by
            .as_deref()
            .unwrap_or_default()
            .replace(['\n', '\r'], " ");
        let c = c.trim();
        let c = c.strip_suffix("# buildkit").unwrap_or(c).trim();
        let line = if let Some(rest) = c.strip_prefix("/bin/sh -c #(nop)") {
            rest.trim().to_owned()
        } else if let Some(rest) = c.strip_prefix("/bin/sh -c ") {
            format!("RUN {rest}")
        } else if let Some(rest) = c.strip_prefix("RUN ") {
            // BuildKit: `RUN |2 A=1 B=2 /bin/sh -c cmd` (build args first).
            let mut rest = rest.trim_start();
            if rest.starts_with('|') {
                let mut words = rest.splitn(2, ' ');
                let count = words
                    .next()
                    .and_then(|w| w[1..].parse::<usize>().ok())
                    .unwrap_or(0);
                rest = words.next().unwrap_or_default();
                for _ in 0..count {
                    rest = rest.split_once(' ').map_or("", |(_, r)| r);
                }
            }
            format!(
                "RUN {}",
                rest.trim_start()
                    .strip_prefix("/bin/sh -c ")
                    .unwrap_or(rest)
            )
        } else {
            c.to_owned()
        };
        // An empty or comment-like line would shift the numbering: keep a placeholder instruction.
        if line.is_empty() || line.starts_with('#') {
            out.push_str("NOP\n");
        } else {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

fn history_checks(config: &ImageConfig) -> Vec<Misconfiguration> {
    let text = dockerfile_from_history(config);
    if text.is_empty() {
        return Vec::new();
    }
    let ins = crate::dockerfile::parse(&text);
    crate::dockerfile::check(IMAGE_CONFIG_PATH, &ins)
        .into_iter()
        .filter(|m| HISTORY_CHECKS.contains(&m.id.as_str()))
        .map(|mut m| {
            m.file_type = ConfigFileType::ImageConfig;
            if let Some(l) = m.start_line {
                m.message = format!("history entry {l}: {}", m.message);
            }
            m
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn ids(v: &Value) -> Vec<String> {
        check_image_config(&ImageConfig::from_json(v.clone()))
            .into_iter()
            .map(|m| m.id)
            .collect()
    }

    #[test]
    fn root_ssh_and_healthcheck() {
        assert_eq!(
            ids(&json!({"config": {"ExposedPorts": {"22/tcp": {}, "80/tcp": {}}}})),
            ["TRAWL-IMG-001", "TRAWL-IMG-002", "TRAWL-IMG-003"]
        );
        assert_eq!(
            ids(&json!({"config": {"User": "0:0", "Healthcheck": {"Test": ["NONE"]}}})),
            ["TRAWL-IMG-001", "TRAWL-IMG-003"]
        );
        assert!(ids(&json!({"config": {"User": "app", "ExposedPorts": {"8080/tcp": {}}, "Healthcheck": {"Test": ["CMD", "true"]}}})).is_empty());
        assert_eq!(
            ids(&json!({"config": {"User": "1000", "ExposedPorts": {"22/udp": {}}}})),
            ["TRAWL-IMG-003"]
        );
    }
    #[test]
    fn history_steps() {
        let config = ImageConfig::from_json(json!({
            "config": {"User": "app", "Healthcheck": {"Test": ["CMD", "true"]}},
            "history": [
                {"created_by": "/bin/sh -c #(nop) ADD file:0123 in / "},
                {"created_by": "/bin/sh -c #(nop)  CMD [\"bash\"]", "empty_layer": true},
                {"created_by": "/bin/sh -c apt-get update && apt-get install -y curl"},
                {"created_by": "RUN |1 TOKEN=x /bin/sh -c curl -fsSL https://x.example/i.sh | sh # buildkit"},
                {"created_by": "ENV DB_PASSWORD=s3cr3tvalue"},
                {"created_by": ""},
                {"created_by": "/bin/sh -c #(nop)  MAINTAINER someone"}
            ]
        }));
        let text = dockerfile_from_history(&config);
        assert_eq!(text.lines().count(), 7);
        assert!(
            text.lines()
                .nth(3)
                .is_some_and(|l| l.starts_with("RUN curl -fsSL")),
            "{text}"
        );
        let got: Vec<(String, Option<usize>)> = check_image_config(&config)
            .into_iter()
            .map(|m| (m.id, m.start_line))
            .collect();
        let want: Vec<(String, Option<usize>)> = [
            ("TRAWL-DS-007", 3),
            ("TRAWL-DS-009", 3),
            ("TRAWL-DS-008", 3),
            ("TRAWL-DS-016", 4),
            ("TRAWL-DS-006", 5),
            ("TRAWL-DS-018", 7),
        ]
        .into_iter()
        .map(|(i, l)| (i.to_owned(), Some(l)))
        .collect();
        assert_eq!(got, want);
        let all = check_image_config(&config);
        assert!(
            all.iter()
                .all(|m| m.file_type == "image-config" && m.path == "image-config")
        );
        assert!(all.iter().all(|m| !m.message.contains("s3cr3tvalue")));
    }
}
