//! Custom policies in Rego (OPA's policy language), evaluated by the `regorus` interpreter.
//!
//! See the crate README for the input shapes and what a policy must define.

use crate::Error;
use serde_json::Value;
use std::path::{Path, PathBuf};
use trawl_types::{CheckStatus, ConfigFileType, Misconfiguration, Severity};

/// A set of loaded policies. `Sync`: evaluation works on a clone of the prepared engine.
#[derive(Clone)]
pub struct Policies {
    engine: regorus::Engine,
    /// (package path such as `data.user.dockerfile.no_curl`, file it came from)
    packages: Vec<(String, PathBuf)>,
}

impl std::fmt::Debug for Policies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policies")
            .field("packages", &self.packages)
            .finish()
    }
}

impl Policies {
    /// Loads every `*.rego` file of a directory (not recursive; sorted by name), or one `.rego` file.
    pub fn load(path: &Path) -> Result<Policies, Error> {
        let files: Vec<PathBuf> = if path.is_dir() {
            let rd = std::fs::read_dir(path).map_err(|source| Error::Read {
                path: path.display().to_string(),
                source,
            })?;
            let mut files: Vec<PathBuf> = rd
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "rego") && p.is_file())
                .collect();
            files.sort();
            files
        } else {
            vec![path.to_owned()]
        };
        if files.is_empty() {
            return Err(Error::Policy {
                path: path.display().to_string(),
                message: "no *.rego files in this directory".into(),
            });
        }
        let mut sources = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|source| Error::Read {
                path: f.display().to_string(),
                source,
            })?;
            sources.push((f, text));
        }
        Policies::from_sources(sources)
    }

    /// Loads policies from (file name, text) pairs.
    pub fn from_sources(sources: Vec<(PathBuf, String)>) -> Result<Policies, Error> {
        let mut engine = regorus::Engine::new();
        let mut packages = Vec::new();
        for (path, text) in sources {
            let shown = path.display().to_string();
            let package = engine
                .add_policy(shown.clone(), text)
                .map_err(|e| Error::Policy {
                    path: shown.clone(),
                    message: format!("{e:#}"),
                })?;
            if !package.starts_with("data.") {
                return Err(Error::Policy {
                    path: shown,
                    message: format!("unexpected package `{package}`"),
                });
            }
            packages.push((package, path));
        }
        Ok(Policies { engine, packages })
    }

    /// The packages loaded (`data.user.xxx`).
    pub fn packages(&self) -> impl Iterator<Item = &str> {
        self.packages.iter().map(|(p, _)| p.as_str())
    }

    /// Evaluates every policy's `deny` against one input (a Dockerfile's or a Kubernetes object's, see the
    /// README) from file `path` of kind `file_type`.
    pub fn evaluate(
        &self,
        path: &str,
        file_type: ConfigFileType,
        input: &Value,
        default_line: Option<(usize, usize)>,
    ) -> Result<Vec<Misconfiguration>, Error> {
        let mut engine = self.engine.clone();
        let input_value =
            regorus::Value::from_json_str(&input.to_string()).map_err(|e| Error::Policy {
                path: path.to_owned(),
                message: format!("input: {e}"),
            })?;
        engine.set_input(input_value);
        let mut out = Vec::new();
        for (package, file) in &self.packages {
            let shown = file.display().to_string();
            let rule = format!("{package}.deny");
            let result = engine.eval_rule(rule.clone()).map_err(|e| Error::Policy {
                path: shown.clone(),
                message: format!("evaluating `{rule}` on {path}: {e:#}"),
            })?;
            if result == regorus::Value::Undefined {
                continue;
            }
            let json = result.to_json_str().map_err(|e| Error::Policy {
                path: shown.clone(),
                message: format!("`{rule}`: {e}"),
            })?;
            let value: Value = serde_json::from_str(&json).map_err(|e| Error::Policy {
                path: shown.clone(),
                message: format!("`{rule}`: {e}"),
            })?;
            let items = match value {
                Value::Array(items) => items,
                Value::Null | Value::Bool(false) => Vec::new(),
                other => vec![other],
            };
            for item in items {
                out.push(to_misconfiguration(
                    package,
                    &shown,
                    path,
                    file_type,
                    item,
                    default_line,
                )?);
            }
        }
        Ok(out)
    }
}

fn to_misconfiguration(
    package: &str,
    policy_file: &str,
    path: &str,
    file_type: ConfigFileType,
    item: Value,
    default_line: Option<(usize, usize)>,
) -> Result<Misconfiguration, Error> {
    let default_id = package.trim_start_matches("data.").to_owned();
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let (msg, obj) = match &item {
        Value::String(m) => (m.clone(), None),
        Value::Object(_) => (
            s(&item, "msg")
                .or_else(|| s(&item, "message"))
                .unwrap_or_else(|| item.to_string()),
            Some(&item),
        ),
        other => (other.to_string(), None),
    };
    let get = |k: &str| obj.and_then(|o| s(o, k));
    let severity = match get("severity") {
        Some(sv) => sv.parse::<Severity>().map_err(|e| Error::Policy {
            path: policy_file.to_owned(),
            message: format!("`{package}.deny` returned {e}"),
        })?,
        None => Severity::Medium,
    };
    let line = |k: &str| {
        obj.and_then(|o| o.get(k))
            .and_then(Value::as_u64)
            .map(|n| n as usize)
    };
    let start = line("start_line")
        .or_else(|| line("line"))
        .or(default_line.map(|l| l.0));
    let end =
        line("end_line").or(start.map(|s| default_line.filter(|d| d.0 == s).map_or(s, |d| d.1)));
    let references = obj
        .and_then(|o| o.get("references"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(Misconfiguration {
        id: get("id").unwrap_or_else(|| default_id.clone()),
        file_type,
        title: get("title").unwrap_or_else(|| format!("Custom policy {default_id}")),
        description: get("description")
            .unwrap_or_else(|| format!("Denied by the custom policy in {policy_file}")),
        resolution: get("resolution")
            .or_else(|| get("remediation"))
            .unwrap_or_default(),
        severity,
        status: CheckStatus::Fail,
        message: msg,
        path: path.to_owned(),
        start_line: start,
        end_line: end,
        references,
        layer: None,
        suppressed: None,
    })
}
