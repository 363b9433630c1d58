//! `pom.xml`: the project itself (Root) and its `<dependencies>` (Direct; `test` scope is dev).
//!
//! Properties are resolved from the same file only (`<properties>`, `project.*`, `project.parent.*`), versions
//! missing from a dependency come from the same file's `<dependencyManagement>`; nothing is fetched. A dependency
//! whose version stays unresolved (a property of a parent POM, a BOM import) or is a range is skipped.

use crate::util::line_of;
use crate::{Error, Result, package, with_rel};
use quick_xml::Reader;
use quick_xml::events::Event;
use std::collections::HashMap;
use trawl_types::{Ecosystem, Package, Relationship};

#[derive(Default, Clone)]
struct Dep {
    group: String,
    artifact: String,
    version: String,
    scope: String,
}

#[derive(Default)]
struct Pom {
    group: String,
    artifact: String,
    version: String,
    parent_group: String,
    parent_version: String,
    props: HashMap<String, String>,
    deps: Vec<Dep>,
    managed: Vec<Dep>,
}

/// Parses a pom.xml.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    let text = crate::util::text(content);
    let pom = read(&text)?;
    let resolve = |s: &str| resolve_props(s, &pom);
    let mut out = Vec::new();
    let group = if pom.group.is_empty() {
        pom.parent_group.clone()
    } else {
        pom.group.clone()
    };
    let version = if pom.version.is_empty() {
        pom.parent_version.clone()
    } else {
        pom.version.clone()
    };
    let (group, version) = (resolve(&group), resolve(&version));
    if !group.is_empty() && !pom.artifact.is_empty() && usable(&version) {
        out.push(with_rel(
            package(
                Ecosystem::Maven,
                format!("{group}:{}", resolve(&pom.artifact)),
                version,
            ),
            Some(Relationship::Root),
            false,
        ));
    }
    for d in &pom.deps {
        let (g, a) = (resolve(&d.group), resolve(&d.artifact));
        let mut v = resolve(&d.version);
        if d.version.is_empty()
            && let Some(m) = pom
                .managed
                .iter()
                .find(|m| resolve(&m.group) == g && resolve(&m.artifact) == a)
        {
            v = resolve(&m.version);
        }
        if g.is_empty() || a.is_empty() || !usable(&v) {
            continue;
        }
        let dev = d.scope == "test";
        out.push(with_rel(
            package(Ecosystem::Maven, format!("{g}:{a}"), v),
            Some(Relationship::Direct),
            dev,
        ));
    }
    Ok(crate::util::dedup(out))
}

fn usable(v: &str) -> bool {
    !v.is_empty() && !v.contains("${") && !v.starts_with(['[', '('])
}

fn resolve_props(s: &str, pom: &Pom) -> String {
    let mut cur = s.trim().to_owned();
    for _ in 0..10 {
        let Some(start) = cur.find("${") else { break };
        let Some(len) = cur[start..].find('}') else {
            break;
        };
        let key = &cur[start + 2..start + len];
        let val = match key {
            "project.version" | "pom.version" | "version" => {
                if pom.version.is_empty() {
                    pom.parent_version.clone()
                } else {
                    pom.version.clone()
                }
            }
            "project.groupId" | "pom.groupId" | "groupId" => {
                if pom.group.is_empty() {
                    pom.parent_group.clone()
                } else {
                    pom.group.clone()
                }
            }
            "project.artifactId" | "pom.artifactId" | "artifactId" => pom.artifact.clone(),
            "project.parent.version" | "parent.version" => pom.parent_version.clone(),
            "project.parent.groupId" | "parent.groupId" => pom.parent_group.clone(),
            k => match pom.props.get(k) {
                Some(v) => v.clone(),
                None => break,
            },
        };
        cur.replace_range(start..start + len + 1, &val);
    }
    cur
}

fn read(text: &str) -> Result<Pom> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut pom = Pom::default();
    let mut stack: Vec<String> = Vec::new();
    let mut dep = Dep::default();
    let mut saw_project = false;
    loop {
        let ev = reader.read_event().map_err(|e| Error::Syntax {
            line: line_of(text, usize::try_from(reader.error_position()).unwrap_or(0)),
            message: format!("invalid XML: {e}"),
        })?;
        match ev {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if stack.is_empty() {
                    if name != "project" {
                        return Err(Error::invalid(format!(
                            "root element is <{name}>, not <project>"
                        )));
                    }
                    saw_project = true;
                }
                if name == "dependency" {
                    dep = Dep::default();
                }
                stack.push(name);
            }
            Event::End(_) => {
                let path = stack.join("/");
                if path == "project/dependencies/dependency" {
                    pom.deps.push(std::mem::take(&mut dep));
                } else if path == "project/dependencyManagement/dependencies/dependency" {
                    pom.managed.push(std::mem::take(&mut dep));
                }
                stack.pop();
            }
            Event::Text(t) => {
                let value = t
                    .unescape()
                    .map(|c| c.into_owned())
                    .unwrap_or_else(|_| String::from_utf8_lossy(&t).into_owned());
                let path = stack.join("/");
                match path.as_str() {
                    "project/groupId" => pom.group = value,
                    "project/artifactId" => pom.artifact = value,
                    "project/version" => pom.version = value,
                    "project/parent/groupId" => pom.parent_group = value,
                    "project/parent/version" => pom.parent_version = value,
                    p if p.starts_with("project/properties/") && stack.len() == 3 => {
                        pom.props.insert(stack[2].clone(), value);
                    }
                    p if p.ends_with("/dependency/groupId") => dep.group = value,
                    p if p.ends_with("/dependency/artifactId") => dep.artifact = value,
                    p if p.ends_with("/dependency/version") => dep.version = value,
                    p if p.ends_with("/dependency/scope") => dep.scope = value,
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_project {
        return Err(Error::invalid("no <project> element"));
    }
    Ok(pom)
}
