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

/// POSTs `body` to `url` (blocking), signed when a secret is set.
pub fn post(url: &str, secret: Option<&str>, body: &[u8]) -> anyhow::Result<()> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .http_status_as_error(true)
        .build()
        .into();
    let mut req = agent.post(url).header("Content-Type", "application/json");
    if let Some(s) = secret {
        req = req.header("X-Trawl-Signature", signature(s, body));
    }
    req.send(body)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    /// RFC 4231 test case 2.
    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        assert_eq!(
            super::signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
