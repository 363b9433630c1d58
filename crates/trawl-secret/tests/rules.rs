//! Every built-in rule: true positives (found, with the right rule, line and redaction) and true negatives,
//! including look-alikes (wrong length, wrong alphabet, placeholders, vendors' documented examples).
//!
//! Token-shaped strings are generated here from a fixed seed instead of being written out, so this file does
//! not itself look like it leaks credentials.

use base64::Engine as _;
use std::collections::BTreeSet;
use trawl_secret::{Scanner, builtin};
use trawl_types::ImageConfig;

const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URLSAFE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX: &str = "0123456789abcdef";
const DIGITS: &str = "0123456789";

/// A deterministic pseudo-random string over `charset` (xorshift, seeded by `seed`).
fn rnd(charset: &str, len: usize, seed: u64) -> String {
    let cs: Vec<char> = charset.chars().collect();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cs[(x % cs.len() as u64) as usize]
        })
        .collect()
}

fn b64url(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn pem(kind: &str, seed: u64) -> String {
    let body: Vec<String> = (0..6).map(|i| rnd(B64, 64, seed + i)).collect();
    format!(
        "-----BEGIN {kind}-----\n{}\n-----END {kind}-----\n",
        body.join("\n")
    )
}

fn jwt(header: &str, payload: &str, seed: u64) -> String {
    format!(
        "{}.{}.{}",
        b64url(header),
        b64url(payload),
        rnd(URLSAFE, 43, seed)
    )
}

/// A positive case: file content, the secret that must be found (and never appear in the output), its line.
struct Pos {
    rule: &'static str,
    path: &'static str,
    content: String,
    secret: String,
    line: usize,
}

fn pos(rule: &'static str, content: String, secret: String, line: usize) -> Pos {
    Pos {
        rule,
        path: "app/config.txt",
        content,
        secret,
        line,
    }
}

fn positives() -> Vec<Pos> {
    let akia = format!("AKIA{}", rnd(UPPER_DIGITS, 16, 1));
    let asia = format!("ASIA{}", rnd(UPPER_DIGITS, 16, 2));
    let aws_secret = rnd(B64, 40, 3);
    let ghp = format!("ghp_{}", rnd(ALNUM, 36, 4));
    let fine = format!("github_pat_{}_{}", rnd(ALNUM, 22, 5), rnd(ALNUM, 59, 6));
    let gho = format!("gho_{}", rnd(ALNUM, 36, 7));
    let ghs = format!("ghs_{}", rnd(ALNUM, 36, 8));
    let ghu = format!("ghu_{}", rnd(ALNUM, 36, 9));
    let ghr = format!("ghr_{}", rnd(ALNUM, 36, 10));
    let glpat = format!("glpat-{}", rnd(URLSAFE, 20, 11));
    let glrt = format!("glrt-{}", rnd(URLSAFE, 24, 12));
    let glptt = format!("glptt-{}", rnd(HEX, 40, 13));
    let xoxb = format!(
        "xoxb-{}-{}-{}",
        rnd(DIGITS, 11, 14),
        rnd(DIGITS, 13, 15),
        rnd(ALNUM, 24, 16)
    );
    let xoxp = format!(
        "xoxp-{}-{}-{}-{}",
        rnd(DIGITS, 10, 17),
        rnd(DIGITS, 10, 18),
        rnd(DIGITS, 12, 19),
        rnd(HEX, 32, 20)
    );
    let hook = format!(
        "T{}/B{}/{}",
        rnd(UPPER_DIGITS, 8, 21),
        rnd(UPPER_DIGITS, 10, 22),
        rnd(ALNUM, 24, 23)
    );
    let sk = format!("sk_live_{}", rnd(ALNUM, 24, 24));
    let rk = format!("rk_live_{}", rnd(ALNUM, 99, 25));
    let aiza = format!("AIza{}", rnd(URLSAFE, 35, 26));
    let sa_key = pem("PRIVATE KEY", 27).replace('\n', "\\n");
    let rsa = pem("RSA PRIVATE KEY", 28);
    let openssh = pem("OPENSSH PRIVATE KEY", 29);
    let npm = format!("npm_{}", rnd(ALNUM, 36, 30));
    let npmrc = format!(
        "{}-{}-{}",
        rnd(HEX, 8, 31),
        rnd(HEX, 4, 32),
        rnd(HEX, 12, 33)
    );
    let pypi = format!("pypi-AgEIcHlwaS5vcmc{}", rnd(URLSAFE, 120, 34));
    let test_pypi = format!("pypi-AgENdGVzdC5weXBpLm9yZw{}", rnd(URLSAFE, 80, 35));
    let docker = b64(&format!("robot:{}", rnd(ALNUM, 20, 36)));
    let token = jwt(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        r#"{"sub":"1234567890","name":"svc","iat":1516239022}"#,
        37,
    );
    let generic = format!("Zq8#{}!", rnd(ALNUM, 12, 38));
    let env = rnd(ALNUM, 24, 39);

    let body = |p: &str| p.lines().skip(1).take(6).collect::<Vec<_>>().join("\n");
    vec![
        pos(
            "aws-access-key-id",
            format!("[default]\naws_access_key_id = {akia}\n"),
            akia.clone(),
            2,
        ),
        pos(
            "aws-access-key-id",
            format!("export AWS_ACCESS_KEY_ID=\"{asia}\""),
            asia.clone(),
            1,
        ),
        pos(
            "aws-secret-access-key",
            format!("[default]\nregion=eu-west-1\naws_secret_access_key = {aws_secret}\n"),
            aws_secret.clone(),
            3,
        ),
        pos(
            "aws-secret-access-key",
            format!("{{\n  \"SecretAccessKey\": \"{aws_secret}\"\n}}"),
            aws_secret.clone(),
            2,
        ),
        pos("github-pat", format!("GH={ghp}\n"), ghp.clone(), 1),
        pos(
            "github-fine-grained-pat",
            format!("url = https://x:{fine}@github.com/o/r.git"),
            fine.clone(),
            1,
        ),
        pos(
            "github-oauth-token",
            format!("oauth_token: {gho}"),
            gho.clone(),
            1,
        ),
        pos("github-app-token", format!("a\n{ghs}\n"), ghs.clone(), 2),
        pos("github-app-token", format!("token({ghu})"), ghu.clone(), 1),
        pos(
            "github-refresh-token",
            format!("refresh={ghr};"),
            ghr.clone(),
            1,
        ),
        pos(
            "gitlab-pat",
            format!("PRIVATE-TOKEN: {glpat}"),
            glpat.clone(),
            1,
        ),
        pos(
            "gitlab-runner-token",
            format!("  token = \"{glrt}\""),
            glrt.clone(),
            1,
        ),
        pos(
            "gitlab-pipeline-trigger-token",
            format!("-F token={glptt} "),
            glptt.clone(),
            1,
        ),
        pos("slack-token", format!("SLACK = '{xoxb}'"), xoxb.clone(), 1),
        pos("slack-token", format!("{xoxp}\n"), xoxp.clone(), 1),
        pos(
            "slack-webhook-url",
            format!("curl -X POST https://hooks.slack.com/services/{hook} -d @msg.json"),
            hook.clone(),
            1,
        ),
        pos(
            "stripe-secret-key",
            format!("Stripe.api_key = \"{sk}\""),
            sk.clone(),
            1,
        ),
        pos("stripe-restricted-key", format!("key: {rk}"), rk.clone(), 1),
        pos(
            "google-api-key",
            format!("<key>{aiza}</key>"),
            aiza.clone(),
            1,
        ),
        pos(
            "gcp-service-account-key",
            format!(
                "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"p\",\n  \"private_key_id\": \"{}\",\n  \"private_key\": \"{sa_key}\",\n  \"client_email\": \"svc@p.iam.gserviceaccount.com\"\n}}\n",
                rnd(HEX, 40, 40)
            ),
            body(&sa_key.replace("\\n", "\n")).replace('\n', "\\n"),
            5,
        ),
        pos("private-key", format!("# deploy key\n{rsa}"), body(&rsa), 2),
        pos("private-key", openssh.clone(), body(&openssh), 1),
        pos(
            "npm-access-token",
            format!("//registry.npmjs.org/:_authToken={npm}\n"),
            npm.clone(),
            1,
        ),
        pos(
            "npmrc-auth-token",
            format!("registry=https://r.example/\n//r.example/:_authToken={npmrc}\n"),
            npmrc.clone(),
            2,
        ),
        pos(
            "pypi-upload-token",
            format!("[pypi]\nusername = __token__\npassword = {pypi}\n"),
            pypi.clone(),
            3,
        ),
        pos(
            "pypi-upload-token",
            format!("TWINE_PASSWORD={test_pypi}"),
            test_pypi.clone(),
            1,
        ),
        pos(
            "docker-config-auth",
            format!(
                "{{\n\t\"auths\": {{\n\t\t\"registry.example.com\": {{\n\t\t\t\"auth\": \"{docker}\"\n\t\t}}\n\t}}\n}}"
            ),
            docker.clone(),
            4,
        ),
        pos(
            "jwt",
            format!("Authorization: Bearer {token}\n"),
            token.clone(),
            1,
        ),
        pos(
            "generic-secret-assignment",
            format!("db_password = \"{generic}\"\n"),
            generic.clone(),
            1,
        ),
        pos(
            "generic-secret-assignment",
            format!("  \"clientSecret\": \"{generic}\",\n"),
            generic.clone(),
            1,
        ),
        pos(
            "generic-secret-env",
            format!("PATH=/bin\nMYSQL_ROOT_PASSWORD={env}\n"),
            env.clone(),
            2,
        ),
        pos(
            "generic-secret-env",
            format!("export API_TOKEN={env}"),
            env.clone(),
            1,
        ),
    ]
}

/// Contents that must give no finding at all.
fn negatives() -> Vec<(&'static str, String)> {
    let sa_key = pem("PRIVATE KEY", 27).replace('\n', "\\n");
    vec![
        // AWS key IDs: too short, too long, lower case, wrong prefix, placeholder, AWS's documented example.
        ("aws-access-key-id", format!("id = AKIA{}", rnd(UPPER_DIGITS, 15, 1))),
        ("aws-access-key-id", format!("id = AKIA{}", rnd(UPPER_DIGITS, 17, 1))),
        ("aws-access-key-id", format!("id = akia{}", rnd(UPPER_DIGITS, 16, 1).to_lowercase())),
        ("aws-access-key-id", format!("id = AKIB{}", rnd(UPPER_DIGITS, 16, 1))),
        ("aws-access-key-id", "id = AKIAXXXXXXXXXXXXXXXX".to_owned()),
        ("aws-access-key-id", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE".to_owned()),
        ("aws-access-key-id", "Asia/Kolkata, Asia/Tokyo and ASIAN markets".to_owned()),
        // AWS secrets: no context, wrong length, documented example, placeholder.
        ("aws-secret-access-key", format!("value = {}", rnd(B64, 40, 3))),
        ("aws-secret-access-key", format!("aws_secret_access_key = {}", rnd(B64, 39, 3))),
        ("aws-secret-access-key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned()),
        ("aws-secret-access-key", format!("aws_secret_access_key = {}", "x".repeat(40))),
        // GitHub: short, wrong alphabet, placeholder, unknown prefix.
        ("github-pat", format!("ghp_{}", rnd(ALNUM, 35, 4))),
        ("github-pat", format!("ghp_{}-{}", rnd(ALNUM, 18, 4), rnd(ALNUM, 17, 5))),
        ("github-pat", format!("ghp_{}", "x".repeat(36))),
        ("github-pat", format!("ghx_{}", rnd(ALNUM, 36, 4))),
        ("github-fine-grained-pat", format!("github_pat_{}", rnd(ALNUM, 40, 5))),
        ("github-oauth-token", format!("gho_{}", rnd(ALNUM, 20, 7))),
        ("github-app-token", format!("ghs_{}", "0".repeat(36))),
        ("github-refresh-token", format!("ghr_{}!", rnd(ALNUM, 30, 10))),
        // GitLab: too short, placeholder, trigger token not hex.
        ("gitlab-pat", "glpat-xxxxxxxxxxxxxxxxxxxx".to_owned()),
        ("gitlab-pat", format!("glpat-{}", rnd(URLSAFE, 12, 11))),
        ("gitlab-runner-token", "glrt-<your-runner-token>".to_owned()),
        ("gitlab-pipeline-trigger-token", format!("glptt-{}", rnd(ALNUM, 40, 13).to_uppercase())),
        // Slack: wrong type letter, no numeric IDs, Slack's documented placeholder webhook.
        ("slack-token", format!("xoxq-{}-{}-{}", rnd(DIGITS, 11, 14), rnd(DIGITS, 13, 15), rnd(ALNUM, 24, 16))),
        ("slack-token", "xoxb-your-token-here".to_owned()),
        ("slack-webhook-url", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX".to_owned()),
        ("slack-webhook-url", "https://hooks.slack.com/services/".to_owned()),
        // Stripe: test mode, too short.
        ("stripe-secret-key", format!("sk_test_{}", rnd(ALNUM, 24, 24))),
        ("stripe-secret-key", format!("sk_live_{}", rnd(ALNUM, 10, 24))),
        ("stripe-restricted-key", format!("rk_test_{}", rnd(ALNUM, 24, 25))),
        // Google: one short, one long.
        ("google-api-key", format!("AIza{}", rnd(URLSAFE, 34, 26))),
        ("google-api-key", format!("AIza{}", rnd(URLSAFE, 36, 26))),
        // Service accounts: another credential type, an empty key.
        (
            "gcp-service-account-key",
            "{\"type\": \"authorized_user\", \"client_secret_file\": \"/x\"}\n{\"account\": \"service_account\", \"private_key\": \"\"}".to_owned(),
        ),
        ("gcp-service-account-key", "{\"type\": \"service_account\", \"private_key\": \"\"}".to_owned()),
        // PEM: marker strings in code, placeholder body, a public key, a certificate.
        (
            "private-key",
            "if line.startswith('-----BEGIN RSA PRIVATE KEY-----'):\n    kind = 'rsa'\nelif line == '-----END RSA PRIVATE KEY-----':\n".to_owned(),
        ),
        ("private-key", "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n".to_owned()),
        ("private-key", format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", "A".repeat(64))),
        ("private-key", pem("PUBLIC KEY", 28)),
        ("private-key", pem("CERTIFICATE", 29)),
        // Service-account-shaped escaped key in a file that is not a service account: the key is still found,
        // but as a private key, so it is a positive elsewhere; here the key is cut short and is no key at all.
        ("private-key", sa_key[..60].to_owned()),
        // npm: short, placeholders, variable references.
        ("npm-access-token", format!("npm_{}", rnd(ALNUM, 20, 30))),
        ("npm-access-token", "npm_config_cache=/tmp/npm_cache_dir_for_builds_12345678".to_owned()),
        ("npmrc-auth-token", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}".to_owned()),
        ("npmrc-auth-token", "//registry.npmjs.org/:_authToken=".to_owned()),
        // PyPI: truncated, another macaroon location.
        ("pypi-upload-token", format!("pypi-AgEIcHlwaS5vcmc{}", rnd(URLSAFE, 10, 34))),
        ("pypi-upload-token", format!("pypi-AgEIZXhhbXBsZS5vcmc{}", rnd(URLSAFE, 80, 34))),
        // Docker config: no password, no `auths`, empty, not base64.
        ("docker-config-auth", format!("{{\"auths\": {{\"r\": {{\"auth\": \"{}\"}}}}}}", b64("robotuser"))),
        ("docker-config-auth", format!("{{\"auth\": \"{}\"}}", b64("robot:pw12345678"))),
        ("docker-config-auth", "{\"auths\": {\"r\": {\"auth\": \"\"}}}".to_owned()),
        ("docker-config-auth", format!("{{\"auths\": {{\"r\": {{\"auth\": \"{}\"}}}}}}", b64("robot:"))),
        // JWT: alg none, header not JSON, missing signature.
        ("jwt", jwt(r#"{"alg":"none"}"#, r#"{"sub":"1234567890"}"#, 37)),
        ("jwt", format!("eyJ{}.eyJ{}.{}", rnd(ALNUM, 30, 1), rnd(ALNUM, 30, 2), rnd(ALNUM, 30, 3))),
        ("jwt", format!("{}.", jwt(r#"{"alg":"HS256"}"#, r#"{"sub":"1"}"#, 1).rsplit_once('.').map(|x| x.0).unwrap_or_default())),
        // Generic: placeholders, code, low entropy, unquoted lower-case, variables, files.
        ("generic-secret-assignment", "password = \"changeme123\"".to_owned()),
        ("generic-secret-assignment", "password = get_password(user)".to_owned()),
        ("generic-secret-assignment", "token_header = \"authorization\"".to_owned()),
        ("generic-secret-assignment", "api_key: \"aaaaaaaaaaaa\"".to_owned()),
        ("generic-secret-assignment", "password: \"<your password>\"".to_owned()),
        ("generic-secret-assignment", "secret = \"${VAULT_SECRET}\"".to_owned()),
        ("generic-secret-assignment", "self.password = self.config.db.password".to_owned()),
        ("generic-secret-assignment", "password=\"short1\"".to_owned()),
        // Found in real packages (clean-css, django, typescript's translated messages): constants, a doctest
        // whose quotes do not pair up, prose in another script.
        ("generic-secret-assignment", "var IMPORTANT_TOKEN = '!important';".to_owned()),
        ("generic-secret-assignment", "SECRET_KEY_INSECURE_PREFIX = 'django-insecure-'".to_owned()),
        ("generic-secret-assignment", ">>> token = 'variable|default:\"Default value\"|date:\"Y-m-d\"'".to_owned()),
        ("generic-secret-assignment", "\"Expected_token_1007\": \"解析器期望在这里找到与标记匹配的令牌\",".to_owned()),
        ("generic-secret-env", "PASSWORD_FILE=/run/secrets/db_password".to_owned()),
        ("generic-secret-env", "DB_PASSWORD=$DB_PASSWORD_FROM_VAULT".to_owned()),
        ("generic-secret-env", "TOKEN_URL=https://auth.example.com/oauth/token".to_owned()),
        ("generic-secret-env", "db_password=Qm3kL9xPz2Wq".to_owned()),
        ("generic-secret-env", "MAX_TOKENS=4096".to_owned()),
    ]
}

#[test]
fn every_rule_has_positive_and_negative_cases() {
    let ids: BTreeSet<String> = builtin().rules().iter().map(|r| r.id.clone()).collect();
    let pos: BTreeSet<String> = positives().iter().map(|p| p.rule.to_owned()).collect();
    let neg: BTreeSet<String> = negatives().iter().map(|n| n.0.to_owned()).collect();
    assert_eq!(pos, ids, "rules without a true-positive case");
    assert_eq!(neg, ids, "rules without a true-negative case");
}

#[test]
fn true_positives() {
    let scanner = builtin();
    for p in positives() {
        let out = scanner.scan_file(p.path, p.content.as_bytes());
        assert_eq!(out.files_scanned, 1);
        let hits: Vec<_> = out
            .findings
            .iter()
            .filter(|f| f.rule_id == p.rule)
            .collect();
        assert_eq!(
            hits.len(),
            1,
            "{}: expected one finding in {:?}, got {:#?}",
            p.rule,
            p.content,
            out.findings
        );
        let f = hits[0];
        assert_eq!(f.start_line, p.line, "{}: start line", p.rule);
        assert!(f.end_line >= f.start_line);
        assert_eq!(f.path, p.path);
        let rule = scanner
            .rules()
            .iter()
            .find(|r| r.id == p.rule)
            .expect("rule exists");
        assert_eq!(
            (f.severity, &f.category, &f.title),
            (rule.severity, &rule.category, &rule.title)
        );
        assert!(
            f.redacted_match.contains("****"),
            "{}: {:?} is redacted",
            p.rule,
            f.redacted_match
        );
        for finding in &out.findings {
            assert!(
                !finding.redacted_match.contains(&p.secret),
                "{}: the secret leaks in {:?}",
                p.rule,
                finding.redacted_match
            );
            for line in p.secret.lines().filter(|l| l.len() >= 8) {
                assert!(
                    !finding.redacted_match.contains(line),
                    "{}: part of the secret leaks",
                    p.rule
                );
            }
        }
    }
}

#[test]
fn true_negatives() {
    let scanner = builtin();
    for (rule, content) in negatives() {
        let out = scanner.scan_file("app/config.txt", content.as_bytes());
        assert!(
            out.findings.is_empty(),
            "{rule}: false positive in {content:?}: {:#?}",
            out.findings
        );
    }
}

#[test]
fn specific_rule_wins_over_generic() {
    let ghp = format!("ghp_{}", rnd(ALNUM, 36, 4));
    let out = builtin().scan_file(".env", format!("GITHUB_TOKEN={ghp}\n").as_bytes());
    let ids: Vec<_> = out.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(ids, ["github-pat"]);
}

#[test]
fn two_secrets_on_one_line_are_both_redacted() {
    let akia = format!("AKIA{}", rnd(UPPER_DIGITS, 16, 1));
    let secret = rnd(B64, 40, 3);
    let line = format!("AWS_ACCESS_KEY_ID={akia} aws_secret_access_key={secret}");
    let out = builtin().scan_file("run.sh", line.as_bytes());
    assert_eq!(out.findings.len(), 2, "{:#?}", out.findings);
    for f in &out.findings {
        assert!(
            !f.redacted_match.contains(&akia) && !f.redacted_match.contains(&secret),
            "{f:?}"
        );
        assert!(
            f.redacted_match.starts_with("AWS_ACCESS_KEY_ID=****"),
            "{}",
            f.redacted_match
        );
    }
}

#[test]
fn pem_redaction_keeps_the_markers() {
    let key = pem("EC PRIVATE KEY", 9);
    let out = builtin().scan_file("etc/ssl/private/server.key", key.as_bytes());
    assert_eq!(out.findings.len(), 1);
    let f = &out.findings[0];
    assert_eq!((f.start_line, f.end_line), (1, 8));
    assert_eq!(
        f.redacted_match,
        "-----BEGIN EC PRIVATE KEY-----\n****\n-----END EC PRIVATE KEY-----"
    );
}

#[test]
fn skips_binaries_huge_files_and_allowed_paths() {
    let ghp = format!("ghp_{}", rnd(ALNUM, 36, 4));
    let scanner = Scanner::builtin().with_max_file_size(1024);
    let mut binary = b"\x7fELF\x02\x01\x01\0".to_vec();
    binary.extend_from_slice(ghp.as_bytes());
    let out = scanner.scan_file("usr/bin/tool", &binary);
    assert_eq!(
        (out.skipped_binary, out.files_scanned, out.findings.len()),
        (1, 0, 0)
    );
    let huge = format!("{}\n{ghp}\n", "#".repeat(2000));
    let out = scanner.scan_file("srv/big.txt", huge.as_bytes());
    assert_eq!((out.skipped_too_large, out.files_scanned), (1, 0));
    let mut total = trawl_secret::ScanOutcome::default();
    for path in [
        "app/node_modules/selfsigned/README.md",
        "app/node_modules/left-pad/index.js",
        "srv/app/.git/config",
        "srv/app/package-lock.json",
        "src/app/tests/keys.py",
        "pkg/testdata/token.txt",
        "usr/share/doc/x/README",
        "docs/examples/x.env",
        "x/.env.example",
    ] {
        let out = scanner.scan_file(path, ghp.as_bytes());
        assert!(out.findings.is_empty(), "{path}");
        total.merge(out);
    }
    assert_eq!(total.skipped_allowed_path, 9);
    // The same content elsewhere is found.
    assert_eq!(
        scanner
            .scan_file("src/app/keys.py", ghp.as_bytes())
            .findings
            .len(),
        1
    );
}

#[test]
fn rules_file_adds_disables_and_allows() {
    let yaml = r#"
rules:
  - id: acme-api-token
    category: Acme
    title: Acme API token
    severity: CRITICAL
    keywords: [acme_]
    regex: '(?-u:\b)(?P<secret>acme_[0-9a-f]{32})(?-u:\b)'
allow-rules:
  - id: internal-ghp
    description: our fixture token
    regex: '^ghp_0123'
disable-rules: [jwt]
disable-allow-rules: [test-paths]
"#;
    let cfg = trawl_secret::RulesConfig::from_yaml(yaml, "rules.yaml").expect("valid rules file");
    let scanner = Scanner::with_config(&cfg, "rules.yaml").expect("valid rules");
    let acme = format!("acme_{}", rnd(HEX, 32, 3));
    let jwt_token = jwt(r#"{"alg":"HS256"}"#, r#"{"sub":"42"}"#, 5);
    let ghp_allowed = format!("ghp_0123{}", rnd(ALNUM, 32, 9));
    let content = format!("K={acme}\nT={jwt_token}\nG={ghp_allowed}\n");
    let out = scanner.scan_file("tests/app.env", content.as_bytes());
    let ids: Vec<_> = out
        .findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.severity.as_str()))
        .collect();
    assert_eq!(
        ids,
        [("acme-api-token", "CRITICAL")],
        "tests/ is scanned once test-paths is off"
    );
    assert!(!out.findings[0].redacted_match.contains(&acme));
    // Without the file, the JWT is found and tests/ is skipped.
    assert_eq!(
        builtin()
            .scan_file("app.env", content.as_bytes())
            .findings
            .len(),
        2
    );
}

#[test]
fn rules_file_errors_are_clear() {
    let cases = [
        (
            "rules: [{id: Bad_Id, title: t, regex: x}]",
            "not kebab-case",
        ),
        (
            "rules: [{id: a, title: t, regex: '(unclosed'}]",
            "rule `a`: invalid regex",
        ),
        (
            "disable-rules: [no-such-rule]",
            "unknown rule `no-such-rule`",
        ),
        ("rules: [{id: jwt, title: t, regex: x}]", "defined twice"),
        ("allow-rules: [{id: a}]", "needs a `path` or a `regex`"),
        ("rulez: []", "rulez"),
        (
            "rules: [{id: a, title: t, regex: x, severity: SEVERE}]",
            "unknown severity",
        ),
    ];
    for (yaml, want) in cases {
        let err = trawl_secret::RulesConfig::from_yaml(yaml, "my-rules.yaml")
            .and_then(|c| Scanner::with_config(&c, "my-rules.yaml"))
            .expect_err(yaml)
            .to_string();
        assert!(err.contains(want), "{yaml}: {err}");
    }
    let err = trawl_secret::RulesConfig::from_yaml("rules: [{id: a", "my-rules.yaml")
        .expect_err("bad yaml")
        .to_string();
    assert!(
        err.contains("my-rules.yaml") && err.contains("line"),
        "{err}"
    );
}

#[test]
fn image_config_env_and_history() {
    let ghp = format!("ghp_{}", rnd(ALNUM, 36, 4));
    let pw = rnd(ALNUM, 20, 6);
    let config = serde_json::json!({
        "architecture": "amd64",
        "config": {
            "Env": ["PATH=/usr/local/bin:/usr/bin", format!("DB_PASSWORD={pw}")],
            "Labels": {"maintainer": "team@example.com"}
        },
        "history": [
            {"created_by": "/bin/sh -c #(nop) ADD file:abc in / "},
            {"created_by": format!("RUN |1 GH_TOKEN={ghp} /bin/sh -c git clone https://github.com/o/r")}
        ]
    });
    let found = trawl_secret::scan_image_config(&ImageConfig::from_json(config));
    let got: Vec<_> = found
        .iter()
        .map(|f| (f.rule_id.as_str(), f.path.as_str(), f.start_line))
        .collect();
    assert_eq!(
        got,
        [
            ("generic-secret-env", "image-config:Env", 2),
            ("github-pat", "image-config:History", 2)
        ]
    );
    for f in &found {
        assert!(
            !f.redacted_match.contains(&ghp) && !f.redacted_match.contains(&pw),
            "{f:?}"
        );
    }
    // A base image's config: nothing.
    let clean = serde_json::json!({"config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["/bin/sh"]}});
    assert!(trawl_secret::scan_image_config(&ImageConfig::from_json(clean)).is_empty());
}

#[test]
fn image_config_redaction() {
    let ghp = format!("ghp_{}", rnd(ALNUM, 36, 4));
    let pw = rnd(ALNUM, 20, 6);
    let mut config = ImageConfig::from_json(serde_json::json!({
        "config": {"Env": ["PATH=/bin", format!("DB_PASSWORD={pw}")], "Labels": {"ci.token": ghp.clone(), "team": "a"}},
        "history": [{"created_by": format!("RUN |1 GH_TOKEN={ghp} /bin/sh -c make")}, {"created_by": "COPY . ."}]
    }));
    assert_eq!(trawl_secret::redact_image_config(&mut config), 3);
    let text = config.raw.to_string();
    assert!(!text.contains(&ghp) && !text.contains(&pw), "{text}");
    assert_eq!(config.raw["config"]["Env"][0], "PATH=/bin");
    assert_eq!(
        config.raw["config"]["Env"][1],
        format!("DB_PASSWORD={}", "*".repeat(20))
    );
    assert_eq!(config.raw["config"]["Labels"]["team"], "a");
    assert_eq!(config.raw["history"][1]["created_by"], "COPY . .");
    // The parsed fields (which the misconfiguration checks read) are redacted alike.
    let parsed = format!("{:?} {:?} {:?}", config.env, config.labels, config.history);
    assert!(!parsed.contains(&ghp) && !parsed.contains(&pw), "{parsed}");
    assert_eq!(config.env[1], format!("DB_PASSWORD={}", "*".repeat(20)));
    assert!(config.labels.contains(&("team".to_owned(), "a".to_owned())));
    assert!(builtin().redact_text("nothing to see").is_none());
}
