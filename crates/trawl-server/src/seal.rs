//! Queued jobs are sealed before they go to Redis: a Harbor scan request carries the registry's credentials, and
//! a job waiting in the stream (or taken over by another replica) must not leave them readable to whoever can
//! read Redis. ChaCha20-Poly1305 (ring) under a key derived with HKDF-SHA256 from the server's `--token`, which
//! every replica shares; a random nonce per job.

use base64::Engine as _;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};

/// Binds a sealed job to its use.
const AAD: &[u8] = b"trawl job v1";

/// Seals and opens queued jobs.
pub struct Sealer {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(***)")
    }
}

impl Sealer {
    /// The sealer of the replicas sharing `token`.
    pub fn from_token(token: &str) -> Sealer {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"trawl queue").extract(token.as_bytes());
        let okm = prk
            .expand(&[b"job sealing key v1"], &CHACHA20_POLY1305)
            .unwrap_or_else(|_| unreachable!("one key length of output is in HKDF's range"));
        Sealer {
            key: LessSafeKey::new(UnboundKey::from(okm)),
            rng: SystemRandom::new(),
        }
    }

    /// `base64(nonce || ciphertext || tag)` of `plain`.
    pub fn seal(&self, plain: &[u8]) -> anyhow::Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| anyhow::anyhow!("no randomness for a nonce"))?;
        let mut buf = plain.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(AAD),
                &mut buf,
            )
            .map_err(|_| anyhow::anyhow!("cannot seal the job"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(base64::engine::general_purpose::STANDARD.encode(out))
    }

    /// The plain bytes of a sealed job; `None` when it was not sealed with this key or was altered.
    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = ct.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(AAD), &mut buf)
            .ok()?;
        Some(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::Sealer;

    #[test]
    fn sealed_jobs_hide_their_content_and_open_only_with_the_same_token() {
        let s = Sealer::from_token("shared-token");
        let job = br#"{"credentials":{"basic":{"username":"robot","password":"hunter2"}}}"#;
        let sealed = s.seal(job).expect("sealed");
        assert!(!sealed.contains("hunter2") && !sealed.contains("robot"));
        assert_ne!(
            s.seal(job).expect("sealed"),
            sealed,
            "a fresh nonce each time"
        );
        assert_eq!(s.open(&sealed).as_deref(), Some(&job[..]));
        assert_eq!(
            Sealer::from_token("shared-token").open(&sealed).as_deref(),
            Some(&job[..])
        );
        assert_eq!(Sealer::from_token("other-token").open(&sealed), None);
        let mut altered =
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &sealed)
                .expect("base64");
        let last = altered.len() - 1;
        altered[last] ^= 1;
        let altered = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, altered);
        assert_eq!(s.open(&altered), None);
        assert_eq!(s.open("not base64!"), None);
        assert_eq!(s.open(""), None);
    }
}
