//! CPE 2.3 names (NISTIR 7695): the formatted-string binding `cpe:2.3:part:vendor:product:version:update:
//! edition:language:sw_edition:target_sw:target_hw:other`, and the older URI binding `cpe:/part:vendor:product:
//! version` when parsing (CVE records still carry it).
//!
//! Attribute values are held unescaped; `*` stands for ANY and `-` for NA (a value that is exactly `*` or `-`).
//! Formatting escapes with a backslash every character other than letters, digits, `_`, `-` and `.`; parsing
//! splits on unescaped `:` and removes the escapes. Values are lower-cased (CPE matching is case-insensitive).

use std::fmt;

/// A CPE 2.3 name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cpe {
    /// `a` (application), `o` (operating system) or `h` (hardware).
    pub part: char,
    /// The 10 attributes after the part, unescaped: vendor, product, version, update, edition, language,
    /// sw_edition, target_sw, target_hw, other.
    attrs: [String; 10],
}

/// Why a string is not a CPE name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a CPE name ({reason}): {value:?}")]
pub struct CpeError {
    value: String,
    reason: &'static str,
}

/// Longest CPE string parsed.
const MAX_LEN: usize = 1024;

impl Cpe {
    /// An application CPE `cpe:2.3:a:VENDOR:PRODUCT:VERSION:*:*:*:*:*:*:*`.
    pub fn application(vendor: &str, product: &str, version: &str) -> Cpe {
        let mut attrs: [String; 10] = Default::default();
        for a in &mut attrs {
            *a = "*".to_owned();
        }
        attrs[0] = vendor.to_ascii_lowercase();
        attrs[1] = product.to_ascii_lowercase();
        attrs[2] = if version.is_empty() {
            "*".to_owned()
        } else {
            version.to_ascii_lowercase()
        };
        Cpe { part: 'a', attrs }
    }

    /// Vendor (unescaped).
    pub fn vendor(&self) -> &str {
        &self.attrs[0]
    }

    /// Product (unescaped).
    pub fn product(&self) -> &str {
        &self.attrs[1]
    }

    /// Version (unescaped; `*` = any, `-` = not applicable).
    pub fn version(&self) -> &str {
        &self.attrs[2]
    }

    /// Update (unescaped; `*` = any).
    pub fn update(&self) -> &str {
        &self.attrs[3]
    }

    /// Target software (unescaped; `*` = any).
    pub fn target_sw(&self) -> &str {
        &self.attrs[7]
    }

    /// The advisory DB key of the product: `vendor:product` (unescaped, lower case).
    pub fn key(&self) -> String {
        format!("{}:{}", self.vendor(), self.product())
    }

    /// Parses a formatted string (`cpe:2.3:...`) or a URI (`cpe:/a:vendor:product:version`).
    pub fn parse(s: &str) -> Result<Cpe, CpeError> {
        let err = |reason| CpeError {
            value: s.chars().take(200).collect(),
            reason,
        };
        if s.len() > MAX_LEN {
            return Err(err("too long"));
        }
        let lower = s.trim().to_ascii_lowercase();
        let (fields, uri) = if let Some(rest) = lower.strip_prefix("cpe:2.3:") {
            (split_unescaped(rest), false)
        } else if let Some(rest) = lower.strip_prefix("cpe:/") {
            (rest.split(':').map(str::to_owned).collect(), true)
        } else {
            return Err(err("no cpe:2.3: or cpe:/ prefix"));
        };
        if (!uri && fields.len() != 11) || (uri && (fields.len() < 2 || fields.len() > 7)) {
            return Err(err("wrong number of attributes"));
        }
        let part = match fields[0].as_str() {
            "a" => 'a',
            "o" => 'o',
            "h" => 'h',
            _ => return Err(err("part is not a, o or h")),
        };
        let mut attrs: [String; 10] = Default::default();
        for (i, a) in attrs.iter_mut().enumerate() {
            let raw = fields.get(i + 1).map_or("", String::as_str);
            *a = if uri {
                let v = percent_decode(raw);
                if v.is_empty() { "*".to_owned() } else { v }
            } else if raw == "*" || raw == "-" {
                raw.to_owned()
            } else {
                unescape(raw)
            };
        }
        if attrs[0].is_empty() || attrs[1].is_empty() {
            return Err(err("empty vendor or product"));
        }
        Ok(Cpe { part, attrs })
    }
}

fn split_unescaped(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let last = out.last_mut().expect("never empty");
                last.push('\\');
                if let Some(n) = chars.next() {
                    last.push(n);
                }
            }
            ':' => out.push(String::new()),
            c => out.last_mut().expect("never empty").push(c),
        }
    }
    out
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn escape(v: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if v == "*" || v == "-" {
        return f.write_str(v);
    }
    for c in v.chars() {
        if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    Ok(())
}

impl fmt::Display for Cpe {
    /// The formatted-string binding (`cpe:2.3:a:nginx:nginx:1.22.1:*:*:*:*:*:*:*`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cpe:2.3:{}", self.part)?;
        for a in &self.attrs {
            f.write_str(":")?;
            escape(a, f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_and_parse() {
        let c = Cpe::application("nginx", "nginx", "1.22.1");
        assert_eq!(c.to_string(), "cpe:2.3:a:nginx:nginx:1.22.1:*:*:*:*:*:*:*");
        assert_eq!(Cpe::parse(&c.to_string()), Ok(c));
        let j = Cpe::application("oracle", "openjdk", "17.0.9+9");
        assert_eq!(
            j.to_string(),
            "cpe:2.3:a:oracle:openjdk:17.0.9\\+9:*:*:*:*:*:*:*"
        );
        let back = Cpe::parse(&j.to_string()).expect("parses");
        assert_eq!(back.version(), "17.0.9+9");
        let n = Cpe::parse("cpe:2.3:a:nodejs:node.js:*:*:*:*:-:*:*:*").expect("node");
        assert_eq!(n.key(), "nodejs:node.js");
        assert_eq!(n.version(), "*");
        let esc = Cpe::parse(r"cpe:2.3:a:a\:b:c\\d:1:*:*:*:*:*:*:*").expect("escaped colon");
        assert_eq!((esc.vendor(), esc.product()), ("a:b", "c\\d"));
        let uri = Cpe::parse("cpe:/a:haxx:curl:7.88.1").expect("uri");
        assert_eq!((uri.key().as_str(), uri.version()), ("haxx:curl", "7.88.1"));
        assert_eq!(uri.update(), "*");
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "cpe:2.3:a:x",
            "cpe:2.3:z:a:b:*:*:*:*:*:*:*:*",
            "nginx",
            "cpe:2.3:a::b:*:*:*:*:*:*:*:*",
            "cpe:/a",
        ] {
            assert!(Cpe::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Cpe::parse(&"cpe:2.3:a:".repeat(500)).is_err());
    }
}
