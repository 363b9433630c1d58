//! Every Dockerfile check: a failing case (with its line) and passing look-alikes.

use trawl_misconfig::{checks, dockerfile, scan_file};

/// Wraps instructions in an otherwise clean Dockerfile (pinned base, non-root user, healthcheck).
fn ds(body: &str) -> String {
    format!(
        "FROM alpine:3.20.3\n{body}\nUSER app\nHEALTHCHECK CMD wget -qO- http://127.0.0.1:8080/health || exit 1\n"
    )
}

fn ids(text: &str) -> Vec<(String, Option<usize>)> {
    let ins = dockerfile::parse(text);
    dockerfile::check("Dockerfile", &ins)
        .into_iter()
        .map(|m| (m.id, m.start_line))
        .collect()
}

/// (check, failing Dockerfile, line of the failure, passing look-alikes)
fn cases() -> Vec<(&'static str, String, usize, Vec<String>)> {
    vec![
        (
            "TRAWL-DS-001",
            "FROM alpine:3.20.3 AS build\nUSER app\nFROM alpine:3.20.3\nHEALTHCHECK CMD true\n".into(),
            3,
            vec![ds(""), "FROM scratch\nCOPY app /app\nHEALTHCHECK CMD [\"/app\", \"check\"]\n".into()],
        ),
        (
            "TRAWL-DS-002",
            "FROM alpine:3.20.3\nUSER app\nRUN id\nUSER root\nHEALTHCHECK CMD true\n".into(),
            4,
            vec![ds("USER root\nRUN apk info"), "FROM alpine:3.20.3\nUSER 1000:0\nHEALTHCHECK CMD true\n".into()],
        ),
        (
            "TRAWL-DS-003",
            "FROM node AS deps\nFROM alpine:3.20.3\nUSER app\nHEALTHCHECK CMD true\n".into(),
            1,
            vec![
                "FROM node:22.11 AS deps\nFROM deps\nUSER app\nHEALTHCHECK CMD true\n".into(),
                "FROM registry.local:5000/base@sha256:0123456789abcdef\nUSER app\nHEALTHCHECK CMD true\n".into(),
                "ARG BASE=alpine:3.20\nFROM ${BASE}\nUSER app\nHEALTHCHECK CMD true\n".into(),
            ],
        ),
        ("TRAWL-DS-003", "FROM registry.local:5000/team/app:latest\nUSER app\nHEALTHCHECK CMD true\n".into(), 1, vec![]),
        (
            "TRAWL-DS-004",
            ds("ADD https://example.com/tool.tar.gz /opt/"),
            2,
            vec![ds("ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tar.gz /opt/")],
        ),
        ("TRAWL-DS-005", ds("ADD config.yaml /etc/app/"), 2, vec![ds("COPY config.yaml /etc/app/"), ds("ADD rootfs.tar.gz /")]),
        (
            "TRAWL-DS-006",
            ds("ENV APP_MODE=prod \\\n    DB_PASSWORD=hunter2hunter2"),
            2,
            vec![ds("ENV DB_PASSWORD_FILE=\nARG GITHUB_TOKEN\nENV API_TOKEN=$API_TOKEN"), ds("ENV PASSWORD_LENGTH_MIN=\"\"")],
        ),
        ("TRAWL-DS-006", ds("ARG NPM_TOKEN=npm_default_value"), 2, vec![]),
        ("TRAWL-DS-006", ds("ENV AWS_SECRET_ACCESS_KEY abc/def"), 2, vec![]),
        (
            "TRAWL-DS-007",
            ds("RUN apt-get update && apt-get install -y curl=7.88.1-10 && rm -rf /var/lib/apt/lists/*"),
            2,
            vec![ds("RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10 && rm -rf /var/lib/apt/lists/*")],
        ),
        (
            "TRAWL-DS-008",
            ds("RUN apt-get update \\\n && apt-get install -y --no-install-recommends curl=7.88.1-10"),
            2,
            vec![ds("RUN apt-get update \\\n && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl=7.88.1-10 \\\n && rm -rf /var/lib/apt/lists/*")],
        ),
        (
            "TRAWL-DS-009",
            ds("RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates=20230311 && rm -rf /var/lib/apt/lists/*"),
            2,
            vec![ds("RUN apt-get update && apt-get install -y --no-install-recommends ./pkg.deb curl=7.88.1-10 && rm -rf /var/lib/apt/lists/*")],
        ),
        ("TRAWL-DS-010", ds("RUN apk add curl=8.9.1-r2"), 2, vec![ds("RUN apk add --no-cache curl=8.9.1-r2"), ds("RUN apk --no-cache add curl~8.9")]),
        ("TRAWL-DS-011", ds("RUN apk add --no-cache curl jq=1.7.1-r0"), 2, vec![ds("RUN apk add --no-cache curl=8.9.1-r2 jq=1.7.1-r0")]),
        ("TRAWL-DS-012", ds("RUN yum install -y httpd-2.4.57"), 2, vec![ds("RUN yum install -y httpd-2.4.57 && yum clean all"), ds("RUN dnf -y install nginx && dnf clean all")]),
        ("TRAWL-DS-013", ds("RUN pip install requests==2.32.3"), 2, vec![ds("RUN pip install --no-cache-dir requests==2.32.3")]),
        (
            "TRAWL-DS-014",
            ds("RUN pip3 install --no-cache-dir requests flask==3.0.3"),
            2,
            vec![ds("RUN pip install --no-cache-dir -r requirements.txt"), ds("RUN pip install --no-cache-dir . ./dist/app-1.0-py3-none-any.whl")],
        ),
        ("TRAWL-DS-015", ds("RUN sudo chown app /srv"), 2, vec![ds("RUN chown app /srv && echo 'no sudo here: pseudo'")]),
        (
            "TRAWL-DS-016",
            ds("RUN curl -fsSL https://get.example.com/install.sh | sh -s -- --yes"),
            2,
            vec![ds("RUN curl -fsSLo /tmp/install.sh https://get.example.com/install.sh && sha256sum -c /tmp/sums && sh /tmp/install.sh")],
        ),
        ("TRAWL-DS-016", ds("RUN wget -qO- https://x.example/setup | bash"), 2, vec![]),
        ("TRAWL-DS-017", ds("EXPOSE 8080 22/tcp"), 2, vec![ds("EXPOSE 8080 2222 220")]),
        ("TRAWL-DS-017", ds("EXPOSE 20-30"), 2, vec![]),
        ("TRAWL-DS-018", "FROM alpine:3.20.3\nMAINTAINER someone\nUSER app\nHEALTHCHECK CMD true\n".into(), 2, vec![ds("LABEL org.opencontainers.image.authors=someone")]),
        (
            "TRAWL-DS-019",
            "FROM alpine:3.20.3\nUSER app\n".into(),
            1,
            vec![ds(""), "FROM alpine:3.20.3\nHEALTHCHECK CMD true\nFROM alpine:3.20.3 AS final\nUSER app\nHEALTHCHECK --interval=30s CMD true\n".into()],
        ),
        ("TRAWL-DS-019", "FROM alpine:3.20.3\nUSER app\nHEALTHCHECK NONE\n".into(), 1, vec![]),
    ]
}

#[test]
fn every_dockerfile_check_has_cases() {
    let covered: std::collections::BTreeSet<&str> = cases().iter().map(|c| c.0).collect();
    let all: std::collections::BTreeSet<&str> = checks::ALL
        .iter()
        .filter(|c| c.file_type == "dockerfile")
        .map(|c| c.id)
        .collect();
    assert_eq!(covered, all);
}

#[test]
fn failing_and_passing_cases() {
    for (id, bad, line, goods) in cases() {
        let found = ids(&bad);
        assert!(
            found.contains(&(id.to_owned(), Some(line))),
            "{id} at line {line} in\n{bad}\ngot {found:?}"
        );
        for good in goods {
            let found = ids(&good);
            assert!(
                !found.iter().any(|f| f.0 == id),
                "{id} wrongly in\n{good}\ngot {found:?}"
            );
        }
    }
}

#[test]
fn a_clean_dockerfile_passes_everything() {
    let text = "# syntax=docker/dockerfile:1\nFROM golang:1.23.3 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app ./cmd/app\n\nFROM debian:12.8-slim\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends ca-certificates=20230311 \\\n && rm -rf /var/lib/apt/lists/* \\\n && useradd -r app\nCOPY --from=build /app /usr/local/bin/app\nEXPOSE 8080\nUSER app\nHEALTHCHECK CMD [\"/usr/local/bin/app\", \"health\"]\nENTRYPOINT [\"/usr/local/bin/app\"]\n";
    assert_eq!(ids(text), vec![]);
}

#[test]
fn findings_are_complete() {
    let text = "FROM ubuntu\nRUN apt-get install -y curl\n";
    let found = scan_file(
        "build/Dockerfile",
        text.as_bytes(),
        #[cfg(feature = "rego")]
        None,
    )
    .expect("scans");
    assert!(found.len() >= 5, "{found:#?}");
    for m in &found {
        let c = checks::ALL
            .iter()
            .find(|c| c.id == m.id)
            .expect("a catalog check");
        assert_eq!(
            (m.severity, m.title.as_str(), m.file_type.as_str()),
            (c.severity, c.title, "dockerfile")
        );
        assert!(!m.description.is_empty() && !m.resolution.is_empty() && !m.references.is_empty());
        assert_eq!(
            (m.status.as_str(), m.path.as_str()),
            ("FAIL", "build/Dockerfile")
        );
        assert!(m.start_line.is_some() && m.end_line >= m.start_line && !m.message.is_empty());
    }
    // The secret value never appears in a DS-006 message.
    let found = ids(&ds("ENV DB_PASSWORD=hunter2hunter2"));
    assert!(found.iter().any(|f| f.0 == "TRAWL-DS-006"));
    let msgs = dockerfile::check(
        "Dockerfile",
        &dockerfile::parse(&ds("ENV DB_PASSWORD=hunter2hunter2")),
    );
    assert!(msgs.iter().all(|m| !m.message.contains("hunter2")));
}

#[test]
fn sanity_many_failures_in_one_file() {
    let text = "FROM ubuntu:latest\nMAINTAINER x\nADD http://x/y.sh /y.sh\nENV API_KEY=abc123\nRUN sudo apt-get install -y curl && curl -sL http://x | sh\nEXPOSE 22\n";
    let got: Vec<String> = ids(text)
        .into_iter()
        .map(|(id, line)| format!("{id}@{}", line.unwrap_or(0)))
        .collect();
    assert_eq!(
        got,
        [
            "TRAWL-DS-001@1",
            "TRAWL-DS-003@1",
            "TRAWL-DS-018@2",
            "TRAWL-DS-004@3",
            "TRAWL-DS-006@4",
            "TRAWL-DS-007@5",
            "TRAWL-DS-009@5",
            "TRAWL-DS-008@5",
            "TRAWL-DS-015@5",
            "TRAWL-DS-016@5",
            "TRAWL-DS-017@6",
            "TRAWL-DS-019@1"
        ]
    );
}
