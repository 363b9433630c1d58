//! Webhooks: a JSON body POSTed to each URL, signed `X-Trawl-Signature: sha256=<hex HMAC-SHA256 of the body>`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The signature header's value for `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Waits between attempts: a receiver that is down or overloaded (a connection error, 429, 5xx) gets three more
/// tries over about 20 s; any other answer is final.
const BACKOFF: [std::time::Duration; 3] = [
    std::time::Duration::from_secs(1),
    std::time::Duration::from_secs(4),
    std::time::Duration::from_secs(16),
];

/// POSTs `body` to `url` (blocking), signed when a secret is set; a receiver that is down or overloaded
/// (connection error, 429, 5xx) gets three more tries over about 20 s.
pub fn post(url: &str, secret: Option<&str>, body: &[u8]) -> anyhow::Result<()> {
    post_with_backoff(url, secret, body, &BACKOFF)
}

/// `url` without its user information, for messages (`https://user:pass@host/...` -> `https://host/...`).
fn shown(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_owned(),
    }
}

fn post_with_backoff(
    url: &str,
    secret: Option<&str>,
    body: &[u8],
    backoff: &[std::time::Duration],
) -> anyhow::Result<()> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut attempt = 0;
    loop {
        let mut req = agent.post(url).header("Content-Type", "application/json");
        if let Some(s) = secret {
            req = req.header("X-Trawl-Signature", signature(s, body));
        }
        let problem = match req.send(body) {
            Ok(resp) if resp.status().is_success() => return Ok(()),
            Ok(resp) => {
                let status = resp.status();
                if status.as_u16() != 429 && !status.is_server_error() {
                    anyhow::bail!("{} answered {status}", shown(url));
                }
                format!("answered {status}")
            }
            Err(e) => e.to_string(),
        };
        let Some(wait) = backoff.get(attempt) else {
            anyhow::bail!("{}: {problem} (after {} attempts)", shown(url), attempt + 1);
        };
        tracing::debug!(
            "webhook {}: {problem}; trying again in {wait:?}",
            shown(url)
        );
        std::thread::sleep(*wait);
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};
    use std::time::Duration;

    /// A receiver on 127.0.0.1 answering the given statuses in turn (a receiver that is overloaded, then back);
    /// returns its URL and, when done, the signatures it was sent.
    fn receiver(statuses: &'static [u16]) -> (String, std::thread::JoinHandle<Vec<String>>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://u:p@{}/hook", listener.local_addr().expect("addr"));
        let handle = std::thread::spawn(move || {
            let mut signatures = Vec::new();
            for status in statuses {
                let (mut conn, _) = listener.accept().expect("accept");
                let mut buf = vec![0u8; 64 * 1024];
                let mut got = Vec::new();
                // headers, then the body of the given length
                loop {
                    let n = conn.read(&mut buf).expect("read");
                    got.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&got).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if got.len() >= end + 4 + len {
                            signatures.extend(text.lines().find_map(|l| {
                                l.strip_prefix("X-Trawl-Signature: ")
                                    .or_else(|| l.strip_prefix("x-trawl-signature: "))
                                    .map(str::to_owned)
                            }));
                            break;
                        }
                    }
                    if n == 0 {
                        break;
                    }
                }
                let reply = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                conn.write_all(reply.as_bytes()).expect("reply");
            }
            signatures
        });
        (url, handle)
    }

    #[test]
    fn overloaded_receivers_get_more_tries_and_others_do_not() {
        let quick = [Duration::from_millis(10); 3];
        let (url, h) = receiver(&[503, 429, 200]);
        super::post_with_backoff(&url, Some("k"), b"{}", &quick)
            .expect("delivered on the third try");
        let sigs = h.join().expect("receiver");
        assert_eq!(sigs.len(), 3);
        assert!(
            sigs.iter().all(|s| s == &super::signature("k", b"{}")),
            "{sigs:?}"
        );

        let (url, h) = receiver(&[404]);
        let err = super::post_with_backoff(&url, None, b"{}", &quick).expect_err("a 404 is final");
        h.join().expect("receiver");
        let msg = format!("{err:#}");
        assert!(msg.contains("404") && !msg.contains("u:p@"), "{msg}");

        let (url, h) = receiver(&[500, 500, 500, 500]);
        let err = super::post_with_backoff(&url, None, b"{}", &quick).expect_err("gives up");
        h.join().expect("receiver");
        assert!(format!("{err:#}").contains("after 4 attempts"), "{err:#}");
    }

    /// RFC 4231 test case 2.
    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        assert_eq!(
            super::signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
