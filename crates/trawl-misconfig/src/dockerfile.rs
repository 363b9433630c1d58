//! Dockerfile parsing (instructions with their lines) and the built-in Dockerfile checks.

use crate::checks::{self, Check};
use serde::Serialize;
use trawl_types::Misconfiguration;

/// One instruction of a Dockerfile, as handed to checks and to Rego policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instruction {
    /// Upper-case instruction (`RUN`, `FROM`...).
    pub cmd: String,
    /// Flags before the arguments (`--from=build`, `--chown=app`), as written.
    pub flags: Vec<String>,
    /// The arguments: the JSON array's items for the exec form, else the whitespace-split words of the
    /// shell form.
    pub args: Vec<String>,
    /// Everything after the instruction and its flags, continuation lines joined with a space.
    pub value: String,
    /// Whether the arguments were a JSON array (exec form).
    pub json: bool,
    /// 1-based first line.
    pub start_line: usize,
    /// 1-based last line (continuations and heredocs included).
    pub end_line: usize,
    /// 0-based index of the build stage (each `FROM` starts one).
    pub stage: usize,
    /// The stage's name (`FROM image AS name`), if any.
    pub stage_name: Option<String>,
}

/// Parses a Dockerfile. Never fails: unknown lines become instructions too, so checks and policies see them.
pub fn parse(text: &str) -> Vec<Instruction> {
    let mut escape = '\\';
    let lines: Vec<&str> = text.lines().collect();
    // Parser directives: leading `# escape=` comments.
    for l in &lines {
        let t = l.trim();
        let Some(d) = t.strip_prefix('#') else { break };
        let d = d.trim();
        if let Some(v) = d
            .strip_prefix("escape=")
            .or_else(|| d.strip_prefix("escape ="))
        {
            if let Some(c) = v.trim().chars().next() {
                escape = c;
            }
        } else if !d.contains('=') {
            break;
        }
    }
    let mut out = Vec::new();
    let mut stage: Option<usize> = None;
    let mut stage_name: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        let first = lines[i].trim();
        i += 1;
        if first.is_empty() || first.starts_with('#') {
            continue;
        }
        // Join continuation lines (comments and blank lines inside a continuation are skipped, as BuildKit does).
        let mut logical = String::new();
        let mut cur = first.to_owned();
        loop {
            let trimmed_end = cur.trim_end();
            if let Some(stripped) = trimmed_end.strip_suffix(escape) {
                logical.push_str(stripped);
                logical.push(' ');
                // Next non-comment line.
                let mut next = None;
                while i < lines.len() {
                    let t = lines[i].trim();
                    i += 1;
                    if t.starts_with('#') || t.is_empty() {
                        continue;
                    }
                    next = Some(t.to_owned());
                    break;
                }
                match next {
                    Some(n) => cur = n,
                    None => break,
                }
            } else {
                logical.push_str(trimmed_end);
                break;
            }
        }
        // Heredocs: `<<EOF`, `<<-EOF`, `<<"EOF"`: their bodies belong to the instruction.
        let mut body_words = Vec::new();
        for word in heredoc_words(&logical) {
            let mut body = Vec::new();
            while i < lines.len() {
                let l = lines[i];
                i += 1;
                if l.trim() == word {
                    break;
                }
                body.push(l.to_owned());
            }
            body_words.push(body.join("\n"));
        }
        let end = i;
        let (cmd, rest) = match logical.split_once(char::is_whitespace) {
            Some((c, r)) => (c.to_ascii_uppercase(), r.trim_start().to_owned()),
            None => (logical.to_ascii_uppercase(), String::new()),
        };
        let mut rest = rest;
        let mut flags = Vec::new();
        while rest.starts_with("--") {
            let (flag, r) = rest
                .split_once(char::is_whitespace)
                .unwrap_or((rest.as_str(), ""));
            flags.push(flag.to_owned());
            rest = r.trim_start().to_owned();
        }
        if !body_words.is_empty() {
            rest.push('\n');
            rest.push_str(&body_words.join("\n"));
        }
        let (args, json) = match serde_json::from_str::<Vec<String>>(rest.trim()) {
            Ok(v) if rest.trim_start().starts_with('[') => (v, true),
            _ => (rest.split_whitespace().map(str::to_owned).collect(), false),
        };
        if cmd == "FROM" {
            stage = Some(stage.map_or(0, |s| s + 1));
            stage_name = match args.as_slice() {
                [_, as_, name, ..] if as_.eq_ignore_ascii_case("as") => {
                    Some(name.to_ascii_lowercase())
                }
                _ => None,
            };
        }
        out.push(Instruction {
            cmd,
            flags,
            args,
            value: rest,
            json,
            start_line: start + 1,
            end_line: end.max(start + 1),
            stage: stage.unwrap_or(0),
            stage_name: stage_name.clone(),
        });
    }
    out
}

fn heredoc_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = line;
    while let Some(p) = rest.find("<<") {
        let after = &rest[p + 2..];
        let after = after.strip_prefix('-').unwrap_or(after);
        let w: String = after
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if w.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
            words.push(w);
        }
        rest = after;
    }
    words
}

/// A failed check at an instruction.
fn fail(c: &Check, path: &str, ins: Option<&Instruction>, message: String) -> Misconfiguration {
    checks::failure(c, path, message, ins.map(|i| (i.start_line, i.end_line)))
}

/// Shell commands of a RUN, split on `&&`, `||`, `;`, `|` and newlines (rough, good enough for the checks).
fn commands(run: &Instruction) -> Vec<Vec<String>> {
    let text = if run.json {
        run.args.join(" ")
    } else {
        run.value.clone()
    };
    let mut out = Vec::new();
    for part in text.split(['\n', ';', '|', '&']) {
        let words: Vec<String> = part
            .split_whitespace()
            .map(|w| w.trim_matches(['"', '\'']).to_owned())
            .collect();
        if !words.is_empty() {
            out.push(words);
        }
    }
    out
}

/// Finds `tool [opts] sub pkg...` (e.g. `apt-get install`), skipping `sudo`/`env`/`DEBIAN_FRONTEND=...`.
fn invocations<'a>(cmds: &'a [Vec<String>], tools: &[&str], subs: &[&str]) -> Vec<&'a [String]> {
    cmds.iter()
        .filter_map(|c| {
            let mut i = 0;
            while i < c.len()
                && (c[i] == "sudo" || c[i] == "env" || c[i].contains('=') && !c[i].starts_with('-'))
            {
                i += 1;
            }
            let tool = c.get(i)?;
            let tool = tool.rsplit('/').next().unwrap_or(tool);
            if !tools.contains(&tool) {
                return None;
            }
            let rest = &c[i + 1..];
            let sub = rest.iter().position(|w| !w.starts_with('-'))?;
            subs.contains(&rest[sub].as_str()).then_some(rest)
        })
        .collect()
}

/// Package arguments of an install (`rest` starts after the tool): words after the subcommand that are not
/// options, skipping option values given as the next word.
fn packages(rest: &[String]) -> Vec<&str> {
    let sub = rest
        .iter()
        .position(|w| !w.starts_with('-'))
        .unwrap_or(rest.len());
    rest.iter()
        .skip(sub + 1)
        .map(String::as_str)
        .filter(|w| !w.starts_with('-') && !w.starts_with('$') && !w.is_empty() && *w != "\\")
        .collect()
}

/// Whether a name looks like it holds a secret.
fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "access_key",
        "private_key",
        "credentials",
    ]
    .iter()
    .any(|k| n.contains(k))
}

/// `KEY=value` pairs of an ENV or ARG (also the legacy `ENV KEY value` form).
fn key_values(ins: &Instruction) -> Vec<(String, Option<String>)> {
    if ins.cmd == "ENV" && ins.args.len() >= 2 && !ins.args[0].contains('=') {
        return vec![(ins.args[0].clone(), Some(ins.args[1..].join(" ")))];
    }
    ins.args
        .iter()
        .map(|a| match a.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.trim_matches(['"', '\'']).to_owned())),
            None => (a.clone(), None),
        })
        .collect()
}

fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://") || l.starts_with("ftp://")
}

/// Runs the built-in Dockerfile checks.
pub fn check(path: &str, ins: &[Instruction]) -> Vec<Misconfiguration> {
    let mut out = Vec::new();
    let Some(last_stage) = ins.iter().map(|i| i.stage).max() else {
        return out;
    };
    let stage_names: Vec<String> = ins.iter().filter_map(|i| i.stage_name.clone()).collect();
    let final_stage: Vec<&Instruction> = ins.iter().filter(|i| i.stage == last_stage).collect();

    // User: the last USER of the final stage decides.
    let last_user = final_stage.iter().rev().find(|i| i.cmd == "USER");
    match last_user {
        None => {
            let from = final_stage.iter().find(|i| i.cmd == "FROM").copied();
            let base_is_scratch = from.is_some_and(|f| {
                f.args
                    .first()
                    .is_some_and(|a| a.eq_ignore_ascii_case("scratch"))
            });
            if !base_is_scratch {
                out.push(fail(
                    &checks::DS_NO_USER,
                    path,
                    from,
                    "The final stage sets no USER: the container runs as the base image's user, root by default".into(),
                ));
            }
        }
        Some(u) => {
            let user = u.args.first().map(String::as_str).unwrap_or_default();
            let name = user.split(':').next().unwrap_or_default();
            if name == "root" || name == "0" {
                out.push(fail(
                    &checks::DS_ROOT_USER,
                    path,
                    Some(u),
                    format!("The last USER is `{user}`"),
                ));
            }
        }
    }

    let mut has_healthcheck = false;
    for i in ins {
        match i.cmd.as_str() {
            "FROM" => {
                let Some(image) = i.args.first() else {
                    continue;
                };
                let lower = image.to_ascii_lowercase();
                if lower == "scratch" || stage_names.contains(&lower) || image.contains('$') {
                    continue;
                }
                let name_part = image.rsplit('/').next().unwrap_or(image);
                if image.contains('@') {
                    continue;
                }
                match name_part.split_once(':') {
                    None => out.push(fail(
                        &checks::DS_LATEST_TAG,
                        path,
                        Some(i),
                        format!(
                            "`FROM {image}` has no tag: it means `latest`, which changes under you"
                        ),
                    )),
                    Some((_, "latest")) => out.push(fail(
                        &checks::DS_LATEST_TAG,
                        path,
                        Some(i),
                        format!("`FROM {image}` uses the `latest` tag"),
                    )),
                    _ => {}
                }
            }
            "ADD" => {
                let has_checksum = i.flags.iter().any(|f| f.starts_with("--checksum"));
                let srcs = if i.args.len() > 1 {
                    &i.args[..i.args.len() - 1]
                } else {
                    &i.args[..]
                };
                for src in srcs {
                    if is_url(src) {
                        if !has_checksum {
                            out.push(fail(
                                &checks::DS_ADD_URL,
                                path,
                                Some(i),
                                format!("ADD downloads `{src}` without a checksum"),
                            ));
                        }
                    } else if !is_archive(src) && !src.starts_with("git@") {
                        out.push(fail(
                            &checks::DS_ADD_LOCAL,
                            path,
                            Some(i),
                            format!("ADD copies local `{src}`: use COPY"),
                        ));
                    }
                }
            }
            "ENV" | "ARG" => {
                for (k, v) in key_values(i) {
                    let has_value = v
                        .as_deref()
                        .is_some_and(|v| !v.is_empty() && !v.starts_with('$'));
                    if secret_name(&k) && has_value {
                        out.push(fail(
                            &checks::DS_SECRET_ENV,
                            path,
                            Some(i),
                            format!(
                                "{} `{k}` is given a value in the Dockerfile (value not shown)",
                                i.cmd
                            ),
                        ));
                    }
                }
            }
            "EXPOSE" => {
                for a in &i.args {
                    let port = a.split('/').next().unwrap_or(a);
                    let hit = port == "22" || port.split_once('-').is_some_and(|(lo, hi)| {
                        matches!((lo.parse::<u32>(), hi.parse::<u32>()), (Ok(lo), Ok(hi)) if lo <= 22 && 22 <= hi)
                    });
                    if hit {
                        out.push(fail(
                            &checks::DS_SSH_PORT,
                            path,
                            Some(i),
                            format!("EXPOSE {a} opens the SSH port"),
                        ));
                    }
                }
            }
            "MAINTAINER" => {
                out.push(fail(
                    &checks::DS_MAINTAINER,
                    path,
                    Some(i),
                    "MAINTAINER is deprecated".into(),
                ));
            }
            "HEALTHCHECK" => {
                has_healthcheck = i.stage == last_stage
                    && !i
                        .args
                        .first()
                        .is_some_and(|a| a.eq_ignore_ascii_case("none"));
            }
            "RUN" => run_checks(path, i, &mut out),
            _ => {}
        }
    }
    if !has_healthcheck {
        let from = final_stage.iter().find(|i| i.cmd == "FROM").copied();
        out.push(fail(
            &checks::DS_NO_HEALTHCHECK,
            path,
            from,
            "The final stage has no HEALTHCHECK".into(),
        ));
    }
    out
}

fn is_archive(src: &str) -> bool {
    let l = src.to_ascii_lowercase();
    [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
    ]
    .iter()
    .any(|e| l.ends_with(e))
}

fn run_checks(path: &str, i: &Instruction, out: &mut Vec<Misconfiguration>) {
    let cmds = commands(i);
    let text = if i.json {
        i.args.join(" ")
    } else {
        i.value.clone()
    };
    let apt = invocations(&cmds, &["apt-get", "apt"], &["install"]);
    for rest in &apt {
        if !rest.iter().any(|w| w == "--no-install-recommends") {
            out.push(fail(
                &checks::DS_APT_RECOMMENDS,
                path,
                Some(i),
                "`apt-get install` without `--no-install-recommends`".into(),
            ));
        }
        let unpinned: Vec<&str> = packages(rest)
            .into_iter()
            .filter(|p| !p.contains('=') && !p.ends_with(".deb"))
            .collect();
        if !unpinned.is_empty() {
            out.push(fail(
                &checks::DS_APT_PIN,
                path,
                Some(i),
                format!(
                    "`apt-get install` of unpinned packages: {}",
                    unpinned.join(", ")
                ),
            ));
        }
    }
    if !apt.is_empty() && !text.contains("/var/lib/apt/lists") {
        out.push(fail(
            &checks::DS_APT_CLEAN,
            path,
            Some(i),
            "`apt-get install` without `rm -rf /var/lib/apt/lists/*` in the same RUN".into(),
        ));
    }
    for rest in invocations(&cmds, &["apk"], &["add"]) {
        if !rest.iter().any(|w| w == "--no-cache") {
            out.push(fail(
                &checks::DS_APK_CACHE,
                path,
                Some(i),
                "`apk add` without `--no-cache`".into(),
            ));
        }
        let unpinned: Vec<&str> = packages(rest)
            .into_iter()
            .filter(|p| {
                !p.contains('=') && !p.contains('<') && !p.contains('>') && !p.contains('~')
            })
            .collect();
        if !unpinned.is_empty() {
            out.push(fail(
                &checks::DS_APK_PIN,
                path,
                Some(i),
                format!("`apk add` of unpinned packages: {}", unpinned.join(", ")),
            ));
        }
    }
    let yum = invocations(&cmds, &["yum", "dnf", "microdnf"], &["install"]);
    if !yum.is_empty()
        && !text.contains("clean all")
        && !text.contains("/var/cache/yum")
        && !text.contains("/var/cache/dnf")
    {
        out.push(fail(
            &checks::DS_YUM_CLEAN,
            path,
            Some(i),
            "`yum`/`dnf install` without `yum clean all` (or `dnf clean all`) in the same RUN"
                .into(),
        ));
    }
    for rest in invocations(&cmds, &["pip", "pip3"], &["install"]) {
        if !rest.iter().any(|w| w == "--no-cache-dir") {
            out.push(fail(
                &checks::DS_PIP_CACHE,
                path,
                Some(i),
                "`pip install` without `--no-cache-dir`".into(),
            ));
        }
        let from_file = rest.iter().any(|w| {
            w == "-r" || w == "--requirement" || w.starts_with("--requirement=") || w == "-c"
        });
        let unpinned: Vec<&str> = packages(rest)
            .into_iter()
            .filter(|p| {
                !from_file
                    && !p.contains("==")
                    && !p.contains("===")
                    && !p.starts_with('.')
                    && !p.starts_with('/')
                    && !p.ends_with(".whl")
                    && !p.ends_with(".txt")
                    && !p.contains("://")
                    && !p.contains('@')
            })
            .collect();
        if !unpinned.is_empty() {
            out.push(fail(
                &checks::DS_PIP_PIN,
                path,
                Some(i),
                format!(
                    "`pip install` of unpinned packages: {}",
                    unpinned.join(", ")
                ),
            ));
        }
    }
    if cmds.iter().any(|c| c.first().is_some_and(|w| w == "sudo")) {
        out.push(fail(
            &checks::DS_SUDO,
            path,
            Some(i),
            "RUN uses sudo".into(),
        ));
    }
    if pipes_to_shell(&text) {
        out.push(fail(
            &checks::DS_CURL_SH,
            path,
            Some(i),
            "A download is piped straight into a shell".into(),
        ));
    }
}

/// `curl ... | sh`, `wget -O- ... | bash` and the like.
fn pipes_to_shell(text: &str) -> bool {
    for line in text.split(['\n', ';']) {
        let segments: Vec<&str> = line.split('|').collect();
        for w in segments.windows(2) {
            let fetch = w[0]
                .split_whitespace()
                .any(|t| matches!(t.rsplit('/').next(), Some("curl" | "wget")));
            let shell = w[1]
                .split_whitespace()
                .find(|t| *t != "sudo" && !t.starts_with('-'))
                .is_some_and(|t| {
                    matches!(
                        t.rsplit('/').next(),
                        Some(
                            "sh" | "bash"
                                | "zsh"
                                | "dash"
                                | "ash"
                                | "ksh"
                                | "python"
                                | "python3"
                                | "perl"
                        )
                    )
                });
            if fetch && shell {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_continuations_flags_json_and_heredocs() {
        let text = "# syntax=docker/dockerfile:1\nFROM alpine:3.20 AS build\nRUN apk add \\\n    # a comment\n    curl\nCOPY --from=build --chown=app:app /a /b\nCMD [\"/bin/app\", \"--serve\"]\nRUN <<EOF\nset -e\necho hi\nEOF\nUSER app\n";
        let ins = parse(text);
        let cmds: Vec<_> = ins
            .iter()
            .map(|i| (i.cmd.as_str(), i.start_line, i.end_line))
            .collect();
        assert_eq!(
            cmds,
            [
                ("FROM", 2, 2),
                ("RUN", 3, 5),
                ("COPY", 6, 6),
                ("CMD", 7, 7),
                ("RUN", 8, 11),
                ("USER", 12, 12)
            ]
        );
        assert_eq!(ins[1].args, ["apk", "add", "curl"]);
        assert_eq!(ins[2].flags, ["--from=build", "--chown=app:app"]);
        assert!(ins[3].json && ins[3].args == ["/bin/app", "--serve"]);
        assert!(ins[4].value.contains("echo hi"));
        assert_eq!(ins[0].stage_name.as_deref(), Some("build"));
    }

    #[test]
    fn escape_directive() {
        let ins = parse("# escape=`\nFROM mcr.microsoft.com/windows:ltsc2022\nRUN dir `\n  c:\\\n");
        assert_eq!(ins[1].args, ["dir", "c:\\"]);
    }

    #[test]
    fn pipe_to_shell() {
        assert!(pipes_to_shell("curl -fsSL https://x/install.sh | sh"));
        assert!(pipes_to_shell("wget -qO- https://x | sudo bash -s"));
        assert!(!pipes_to_shell(
            "curl -fsSLo /tmp/x https://x && sha256sum -c x.sha256"
        ));
        assert!(!pipes_to_shell("cat a | sort"));
    }
}
