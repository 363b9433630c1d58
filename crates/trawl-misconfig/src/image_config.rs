//! Checks on an image's config (the OCI/docker config JSON): user, exposed ports, healthcheck.

use crate::checks;
use serde_json::Value;
use trawl_types::Misconfiguration;

/// Path given to image-config findings.
pub const IMAGE_CONFIG_PATH: &str = "image-config";

/// Runs the image-config checks (`TRAWL-IMG-*`).
pub fn check_image_config(config: &Value) -> Vec<Misconfiguration> {
    let inner = config.get("config").unwrap_or(config);
    let mut out = Vec::new();
    let user = inner
        .get("User")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim();
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
    if let Some(ports) = inner.get("ExposedPorts").and_then(Value::as_object) {
        for port in ports.keys() {
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
    }
    let healthy = inner
        .get("Healthcheck")
        .and_then(|h| h.get("Test"))
        .and_then(Value::as_array)
        .and_then(|t| t.first())
        .and_then(Value::as_str)
        .is_some_and(|first| !first.eq_ignore_ascii_case("NONE"));
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(v: &Value) -> Vec<String> {
        check_image_config(v).into_iter().map(|m| m.id).collect()
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
}
