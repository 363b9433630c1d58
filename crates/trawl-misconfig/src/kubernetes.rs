//! Kubernetes manifests: multi-document YAML (or JSON), workload pod specs, the built-in KSV checks.

use crate::Error;
use crate::checks::{self, Check};
use serde_json::Value;
use trawl_types::Misconfiguration;

/// One object of a manifest file, with the lines of its YAML document.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// The object as JSON.
    pub value: Value,
    /// 1-based first line of its document.
    pub start_line: usize,
    /// 1-based last line of its document.
    pub end_line: usize,
}

/// Lines (1-based, inclusive) of each non-empty YAML document, split at `---` lines.
fn document_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 1;
    let mut content = false;
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_end();
        if t == "---" || t.starts_with("--- ") || t.starts_with("---#") || t == "..." {
            if content {
                out.push((start, i));
            }
            start = i + 2;
            content = false;
        } else if !t.trim().is_empty() && !t.trim_start().starts_with('#') {
            content = true;
        }
    }
    if content {
        out.push((start, lines.len()));
    }
    out
}

/// Parses a manifest file into objects (`kind: List` items are expanded).
pub fn parse(path: &str, text: &str) -> Result<Vec<Object>, Error> {
    let docs: Vec<Value> = if text.trim_start().starts_with('{') {
        vec![serde_json::from_str(text).map_err(|e| Error::Parse {
            path: path.to_owned(),
            message: format!("line {}: {e}", e.line()),
        })?]
    } else {
        serde_saphyr::from_multiple::<Value>(text).map_err(|e| Error::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?
    };
    let docs: Vec<Value> = docs.into_iter().filter(|d| !d.is_null()).collect();
    let ranges = document_ranges(text);
    let total = text.lines().count().max(1);
    let mut out = Vec::new();
    for (k, doc) in docs.into_iter().enumerate() {
        let (start_line, end_line) = ranges.get(k).copied().unwrap_or((1, total));
        let mut push = |value: Value| {
            out.push(Object {
                value,
                start_line,
                end_line,
            })
        };
        if doc
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"))
        {
            if let Some(items) = doc.get("items").and_then(Value::as_array) {
                items.iter().cloned().for_each(&mut push);
            }
        } else {
            push(doc);
        }
    }
    Ok(out)
}

/// Whether a parsed document is a Kubernetes object (has `apiVersion` and `kind`).
pub fn is_object(v: &Value) -> bool {
    v.get("apiVersion").is_some_and(Value::is_string) && v.get("kind").is_some_and(Value::is_string)
}

/// The pod spec of a workload object, if it has one.
pub fn pod_spec(obj: &Value) -> Option<&Value> {
    let kind = obj.get("kind")?.as_str()?;
    let spec = obj.get("spec")?;
    match kind {
        "Pod" => Some(spec),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => spec.get("template")?.get("spec"),
        "CronJob" => spec
            .get("jobTemplate")?
            .get("spec")?
            .get("template")?
            .get("spec"),
        _ => None,
    }
}

/// Finds the line of a key in a document: the first line at or after `from` (0-based into `lines`) whose
/// trimmed text starts with `key:` or `- key:`.
fn key_line(lines: &[&str], from: usize, to: usize, key: &str) -> Option<usize> {
    let pat = format!("{key}:");
    let pat_q = format!("\"{key}\":");
    (from..to.min(lines.len())).find(|&i| {
        let t = lines[i].trim_start().trim_start_matches("- ").trim_start();
        t.starts_with(&pat) || t.starts_with(&pat_q)
    })
}

struct Ctx<'a> {
    path: &'a str,
    lines: Vec<&'a str>,
    /// 0-based line range of the document.
    doc: (usize, usize),
    what: String,
    out: Vec<Misconfiguration>,
}

impl Ctx<'_> {
    fn fail(&mut self, check: &Check, at: Option<usize>, message: String) {
        let line = at.unwrap_or(self.doc.0) + 1;
        self.out.push(checks::failure(
            check,
            self.path,
            format!("{}: {message}", self.what),
            Some((line, line)),
        ));
    }

    fn key(&self, from: usize, key: &str) -> Option<usize> {
        key_line(&self.lines, from, self.doc.1, key)
    }
}

fn is_true(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool) == Some(true)
}

/// Whether an image reference has no tag or the `latest` tag (a digest pins it).
pub(crate) fn latest_or_untagged(image: &str) -> bool {
    if image.contains('@') {
        return false;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => true,
        Some((_, tag)) => tag == "latest",
    }
}

const DANGEROUS_CAPS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "DAC_READ_SEARCH",
    "BPF",
    "SYS_RAWIO",
];

/// Runs the built-in checks on every workload of a manifest file.
pub fn check(path: &str, text: &str, objects: &[Object]) -> Vec<Misconfiguration> {
    let mut ctx = Ctx {
        path,
        lines: text.lines().collect(),
        doc: (0, 0),
        what: String::new(),
        out: Vec::new(),
    };
    for obj in objects {
        let Some(spec) = pod_spec(&obj.value) else {
            continue;
        };
        let kind = obj
            .value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = obj
            .value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("(unnamed)");
        ctx.doc = (obj.start_line.saturating_sub(1), obj.end_line);
        ctx.what = format!("{kind} `{name}`");
        check_pod(&mut ctx, spec);
    }
    ctx.out
}

fn check_pod(ctx: &mut Ctx<'_>, spec: &Value) {
    let doc_start = ctx.doc.0;
    for (key, check) in [
        ("hostNetwork", &checks::KSV_HOST_NETWORK),
        ("hostPID", &checks::KSV_HOST_PID),
        ("hostIPC", &checks::KSV_HOST_IPC),
    ] {
        if is_true(spec.get(key)) {
            let at = ctx.key(doc_start, key);
            ctx.fail(check, at, format!("sets `{key}: true`"));
        }
    }
    if let Some(vols) = spec.get("volumes").and_then(Value::as_array) {
        let mut from = doc_start;
        for v in vols {
            if let Some(hp) = v.get("hostPath") {
                let at = ctx.key(from, "hostPath");
                from = at.map_or(from, |l| l + 1);
                let vname = v.get("name").and_then(Value::as_str).unwrap_or("?");
                let hpath = hp.get("path").and_then(Value::as_str).unwrap_or("?");
                ctx.fail(
                    &checks::KSV_HOST_PATH,
                    at,
                    format!("volume `{vname}` mounts the node's `{hpath}`"),
                );
            }
        }
    }
    let psc = spec.get("securityContext");
    let containers_at = ctx.key(doc_start, "containers").unwrap_or(doc_start);
    for (list, ephemeral) in [
        ("initContainers", false),
        ("containers", false),
        ("ephemeralContainers", true),
    ] {
        let Some(cs) = spec.get(list).and_then(Value::as_array) else {
            continue;
        };
        for c in cs {
            check_container(
                ctx,
                c,
                psc,
                ephemeral,
                containers_at.min(ctx.key(doc_start, list).unwrap_or(containers_at)),
            );
        }
    }
}

fn check_container(
    ctx: &mut Ctx<'_>,
    c: &Value,
    psc: Option<&Value>,
    ephemeral: bool,
    search_from: usize,
) {
    let cname = c.get("name").and_then(Value::as_str).unwrap_or("?");
    // The container's own lines: from its `name:` to the next container (approximate, cheap).
    let start = (search_from..ctx.doc.1.min(ctx.lines.len()))
        .find(|&i| {
            let t = ctx.lines[i]
                .trim_start()
                .trim_start_matches("- ")
                .trim_start();
            t.strip_prefix("name:")
                .is_some_and(|v| v.trim().trim_matches(['"', '\'']) == cname)
        })
        .unwrap_or(search_from);
    let within = |ctx: &Ctx<'_>, key: &str| ctx.key(start, key);
    let sc = c.get("securityContext");
    let get = |k: &str| sc.and_then(|s| s.get(k));
    let pget = |k: &str| psc.and_then(|s| s.get(k));
    let who = format!("container `{cname}`");

    if is_true(get("privileged")) {
        let at = within(ctx, "privileged");
        ctx.fail(&checks::KSV_PRIVILEGED, at, format!("{who} is privileged"));
    }
    if get("allowPrivilegeEscalation").and_then(Value::as_bool) != Some(false) {
        let at = within(ctx, "allowPrivilegeEscalation").or(Some(start));
        ctx.fail(
            &checks::KSV_PRIV_ESC,
            at,
            format!("{who} does not set `allowPrivilegeEscalation: false`"),
        );
    }
    let run_as_user = get("runAsUser")
        .or_else(|| pget("runAsUser"))
        .and_then(Value::as_i64);
    let non_root = get("runAsNonRoot")
        .or_else(|| pget("runAsNonRoot"))
        .and_then(Value::as_bool);
    if run_as_user == Some(0) {
        let at = within(ctx, "runAsUser").or_else(|| ctx.key(ctx.doc.0, "runAsUser"));
        ctx.fail(&checks::KSV_RUN_AS_ROOT, at, format!("{who} runs as UID 0"));
    } else if non_root != Some(true) && run_as_user.is_none_or(|u| u <= 0) {
        ctx.fail(
            &checks::KSV_RUN_AS_NON_ROOT,
            Some(start),
            format!("{who} does not set `runAsNonRoot: true`"),
        );
    }
    let caps = get("capabilities");
    let list = |k: &str| -> Vec<String> {
        caps.and_then(|c| c.get(k))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|s| s.trim_start_matches("CAP_").to_ascii_uppercase())
                    .collect()
            })
            .unwrap_or_default()
    };
    let added: Vec<String> = list("add")
        .into_iter()
        .filter(|c| DANGEROUS_CAPS.contains(&c.as_str()))
        .collect();
    if !added.is_empty() {
        let at = within(ctx, "add");
        ctx.fail(
            &checks::KSV_CAP_ADD,
            at,
            format!("{who} adds {}", added.join(", ")),
        );
    }
    if !list("drop").iter().any(|c| c == "ALL") {
        ctx.fail(
            &checks::KSV_CAP_DROP,
            Some(start),
            format!("{who} does not drop ALL capabilities"),
        );
    }
    if get("readOnlyRootFilesystem").and_then(Value::as_bool) != Some(true) {
        ctx.fail(
            &checks::KSV_RO_ROOT,
            Some(start),
            format!("{who} does not set `readOnlyRootFilesystem: true`"),
        );
    }
    if !ephemeral {
        for (section, res, check) in [
            ("limits", "cpu", &checks::KSV_CPU_LIMIT),
            ("limits", "memory", &checks::KSV_MEM_LIMIT),
            ("requests", "cpu", &checks::KSV_CPU_REQUEST),
            ("requests", "memory", &checks::KSV_MEM_REQUEST),
        ] {
            if c.pointer(&format!("/resources/{section}/{res}")).is_none() {
                ctx.fail(
                    check,
                    Some(start),
                    format!("{who} has no `resources.{section}.{res}`"),
                );
            }
        }
    }
    if let Some(image) = c.get("image").and_then(Value::as_str)
        && latest_or_untagged(image)
    {
        let at = within(ctx, "image");
        ctx.fail(
            &checks::KSV_LATEST_IMAGE,
            at,
            format!("{who} uses image `{image}` without a pinned tag"),
        );
    }
    if let Some(ports) = c.get("ports").and_then(Value::as_array) {
        let mut from = start;
        for p in ports {
            if let Some(hp) = p
                .get("hostPort")
                .and_then(Value::as_i64)
                .filter(|p| *p != 0)
            {
                let at = ctx.key(from, "hostPort");
                from = at.map_or(from, |l| l + 1);
                ctx.fail(
                    &checks::KSV_HOST_PORT,
                    at,
                    format!("{who} binds host port {hp}"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_lists() {
        let text = "---\n# c\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: b}}\n- {apiVersion: v1, kind: Pod, metadata: {name: c}}\n";
        let objs = parse("m.yaml", text).expect("parses");
        let names: Vec<_> = objs
            .iter()
            .map(|o| {
                (
                    o.value
                        .pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                    o.start_line,
                )
            })
            .collect();
        assert_eq!(names, [("a", 2), ("b", 8), ("c", 8)]);
    }

    #[test]
    fn image_tags() {
        assert!(latest_or_untagged("nginx"));
        assert!(latest_or_untagged("nginx:latest"));
        assert!(latest_or_untagged("localhost:5000/app"));
        assert!(!latest_or_untagged("localhost:5000/app:1.2"));
        assert!(!latest_or_untagged("nginx@sha256:0123"));
    }
}
