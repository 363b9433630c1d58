//! Seeded generators of realistic version pairs, one per ecosystem with a reference oracle.
//!
//! Each generator builds versions from the shapes the ecosystem really uses (dotted numbers, its pre-release
//! and post-release words, epochs, revisions, local labels...). Pairs are made so that many comparisons are
//! close calls: 15% identical, half a mutation of the first version (a number bumped, dropped, zero-padded,
//! a suffix added or removed, letters re-cased), the rest independent.

/// splitmix64: small, fast, good enough for test data, and stable across platforms and releases.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// True with probability `pct` percent.
    pub(crate) fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub(crate) fn word(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len() as u64) as usize]
    }

    /// A version-ish number: mostly small, sometimes large or date-like.
    pub(crate) fn num(&mut self) -> u64 {
        match self.below(20) {
            0..=11 => self.below(10),
            12..=16 => self.below(40),
            17 => self.below(2000),
            18 => 2000 + self.below(30),
            _ => 20_000_000 + self.below(400) * 10_000 + self.below(1200),
        }
    }
}

/// Shape of one ecosystem's versions.
pub(crate) struct Spec {
    /// Build one fresh version.
    pub(crate) fresh: fn(&mut Rng) -> String,
    /// Suffixes the mutation may append.
    pub(crate) suffixes: &'static [&'static str],
    /// May numbers get leading zeros?
    pub(crate) leading_zeros: bool,
    /// May letters be re-cased (the scheme is case-insensitive or should be tested for it)?
    pub(crate) recase: bool,
    /// May components be dropped or `.0` appended (not for strict three-part SemVer)?
    pub(crate) reshape: bool,
}

fn dotted(rng: &mut Rng, min: u64, max: u64) -> String {
    let n = min + rng.below(max - min + 1);
    (0..n)
        .map(|_| rng.num().to_string())
        .collect::<Vec<_>>()
        .join(".")
}

pub(crate) fn pair(rng: &mut Rng, spec: &Spec) -> (String, String) {
    let a = (spec.fresh)(rng);
    let b = match rng.below(100) {
        0..=14 => a.clone(),
        15..=64 => mutate(rng, spec, &a),
        _ => (spec.fresh)(rng),
    };
    if rng.chance(50) { (a, b) } else { (b, a) }
}

fn mutate(rng: &mut Rng, spec: &Spec, a: &str) -> String {
    let runs: Vec<(usize, usize)> = {
        let bytes = a.as_bytes();
        let mut v = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_digit() {
                let s = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                v.push((s, i));
            } else {
                i += 1;
            }
        }
        v
    };
    match rng.below(7) {
        0..=2 if !runs.is_empty() => {
            let (s, e) = *rng.pick(&runs);
            let n: u64 = a[s..e].parse().unwrap_or(0);
            let repl = match rng.below(5) {
                0 => (n + 1).to_string(),
                1 => n.saturating_sub(1).to_string(),
                2 => "0".to_string(),
                3 if spec.leading_zeros => format!("0{}", &a[s..e]),
                _ => (n + 1 + rng.below(20)).to_string(),
            };
            format!("{}{}{}", &a[..s], repl, &a[e..])
        }
        3 => format!("{a}{}", rng.word(spec.suffixes)),
        4 if spec.reshape => {
            // Cut before a random separator (drops a component or a suffix).
            let cuts: Vec<usize> = a
                .char_indices()
                .filter(|(i, c)| *i > 0 && !c.is_ascii_alphanumeric())
                .map(|(i, _)| i)
                .collect();
            if cuts.is_empty() {
                format!("{a}.0")
            } else {
                a[..*rng.pick(&cuts)].to_string()
            }
        }
        5 if spec.recase => {
            if rng.chance(50) {
                a.to_uppercase()
            } else {
                a.to_lowercase()
            }
        }
        _ if spec.reshape => format!("{a}.0"),
        _ => format!("{a}{}", rng.word(spec.suffixes)),
    }
}

// ---------------------------------------------------------------- Debian

fn deb_fresh(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.chance(12) {
        s.push_str(&format!("{}:", rng.below(4)));
    }
    s.push_str(&dotted(rng, 1, 4));
    if rng.chance(35) {
        s.push_str(rng.word(&[
            "~rc1",
            "~rc2",
            "~beta3",
            "~alpha",
            "~~",
            "~",
            "+dfsg",
            "+dfsg1",
            "+ds",
            "a",
            "b",
            "+git20230405.1a2b3c",
            "+really2.0",
            "~pre1",
            "+1",
            ".orig",
            "+b1",
            "~git",
            "+",
            "z",
        ]));
    }
    if rng.chance(75) {
        s.push('-');
        s.push_str(rng.word(&[
            "1",
            "2",
            "0.1",
            "1ubuntu1",
            "1ubuntu0.22.04.1",
            "1+deb12u1",
            "1~bpo11+1",
            "3build1",
            "1.1",
            "0ubuntu1~20.04",
            "10",
            "1+b2",
            "2~",
            "1~deb11u1",
            "13+deb9u1",
            "0",
            "00",
        ]));
    }
    s
}

pub(crate) const DEB: Spec = Spec {
    fresh: deb_fresh,
    suffixes: &[
        "~rc1", "+dfsg", "a", "~", "+b1", ".1", "-1", "~bpo1", "+deb12u1",
    ],
    leading_zeros: true,
    recase: false,
    reshape: true,
};

// ---------------------------------------------------------------- RPM

fn rpm_fresh(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.chance(15) {
        s.push_str(&format!("{}:", rng.below(3)));
    }
    s.push_str(&dotted(rng, 1, 4));
    if rng.chance(30) {
        s.push_str(rng.word(&[
            "~rc1",
            "~beta",
            "^git20230101.abc",
            "^",
            "a",
            "p1",
            "_1",
            ".rc1",
            "~~",
            "b2",
            "^20230101",
        ]));
    }
    if rng.chance(80) {
        s.push('-');
        s.push_str(rng.word(&[
            "1.el8",
            "3.fc38",
            "0.1.rc1.el9_2",
            "2.module+el8.4.0+1234+abcd1234",
            "1",
            "10.el7_9",
            "1.cm2",
            "2.amzn2",
            "150400.1.1",
            "1.el8_6.1",
            "0",
            "1~rc1",
            "1^post",
        ]));
    }
    s
}

pub(crate) const RPM: Spec = Spec {
    fresh: rpm_fresh,
    suffixes: &["~rc1", "^git1", "a", ".el8", "-1", "_2", "p1"],
    leading_zeros: true,
    recase: true,
    reshape: true,
};

// ---------------------------------------------------------------- PyPI

fn pep440_fresh(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.chance(5) {
        s.push('v');
    }
    if rng.chance(8) {
        s.push_str(&format!("{}!", rng.below(3)));
    }
    s.push_str(&dotted(rng, 1, 4));
    if rng.chance(35) {
        let sep = rng.word(&["", "", ".", "-", "_"]);
        let word = rng.word(&[
            "a", "b", "rc", "alpha", "beta", "c", "pre", "preview", "A", "RC",
        ]);
        let n = if rng.chance(80) {
            rng.below(12).to_string()
        } else {
            String::new()
        };
        s.push_str(&format!("{sep}{word}{n}"));
    }
    if rng.chance(20) {
        s.push_str(rng.word(&[
            ".post1", ".post2", "-1", "-3", "post0", ".r1", "rev2", ".post", "_post4",
        ]));
    }
    if rng.chance(15) {
        s.push_str(rng.word(&[".dev0", ".dev1", "dev3", ".dev", "-dev5"]));
    }
    if rng.chance(12) {
        s.push_str(rng.word(&[
            "+local",
            "+ubuntu1.2",
            "+1",
            "+abc.5",
            "+cu118",
            "+2.a",
            "+LOCAL-1",
        ]));
    }
    s
}

pub(crate) const PEP440: Spec = Spec {
    fresh: pep440_fresh,
    suffixes: &["a1", "rc2", ".post1", ".dev0", "+local", ".0", "b0", "+1"],
    leading_zeros: true,
    recase: true,
    reshape: true,
};

// ---------------------------------------------------------------- npm

fn npm_fresh(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.chance(5) {
        s.push('v');
    }
    s.push_str(&format!("{}.{}.{}", rng.num(), rng.num(), rng.num()));
    if rng.chance(40) {
        s.push('-');
        let n = 1 + rng.below(3);
        let ids: Vec<String> = (0..n)
            .map(|_| match rng.below(6) {
                0 | 1 => rng.below(20).to_string(),
                2 => (rng.word(&[
                    "alpha", "beta", "rc", "next", "canary", "dev", "pre", "x", "Beta", "RC",
                ]))
                .to_string(),
                3 => format!("{}-{}", rng.word(&["alpha", "beta", "rc"]), rng.below(5)),
                4 => (rng.word(&["0", "1", "10", "2", "a1", "1a", "-", "--", "0a"])).to_string(),
                _ => format!("{}{}", rng.word(&["alpha", "beta", "rc"]), rng.below(12)),
            })
            .collect();
        s.push_str(&ids.join("."));
    }
    if rng.chance(15) {
        s.push_str(rng.word(&[
            "+build.1",
            "+20230101",
            "+sha.abc123",
            "+001",
            "+exp.sha.5114f85",
        ]));
    }
    s
}

pub(crate) const NPM: Spec = Spec {
    fresh: npm_fresh,
    suffixes: &[
        "-alpha",
        "-beta.1",
        "-rc.1",
        "-0",
        "-alpha.beta",
        "-1",
        "-Alpha",
    ],
    leading_zeros: false,
    recase: false,
    reshape: false,
};

// ---------------------------------------------------------------- Maven

fn maven_fresh(rng: &mut Rng) -> String {
    let mut s = dotted(rng, 1, 4);
    if rng.chance(45) {
        s.push_str(rng.word(&[
            "-SNAPSHOT",
            "-alpha-1",
            "-alpha1",
            ".Final",
            ".FINAL",
            "-rc1",
            "-RC2",
            "-sp1",
            "a1",
            "b2",
            "m3",
            ".RC1",
            "-ga",
            "-GA",
            "-cr2",
            "-milestone-3",
            "_beta",
            "-1",
            "-jre",
            "-android",
            ".redhat-00001",
            "-beta",
            "-M1",
            "-release",
            ".v20230101",
            "-incubating",
            "-b01",
            "-20230101.123456-1",
            "-alpha.2",
            "-01",
            ".0-SNAPSHOT",
        ]));
    }
    if rng.chance(10) {
        s.push_str(rng.word(&["-1", ".2", "-beta3", "a", "-x"]));
    }
    s
}

pub(crate) const MAVEN: Spec = Spec {
    fresh: maven_fresh,
    suffixes: &[
        "-SNAPSHOT",
        ".Final",
        "-rc1",
        "-sp",
        "-1",
        ".0",
        "-ga",
        "a1",
        "-alpha",
        "-xyz",
    ],
    leading_zeros: true,
    recase: true,
    reshape: true,
};

// ---------------------------------------------------------------- RubyGems

fn gem_fresh(rng: &mut Rng) -> String {
    let mut s = dotted(rng, 1, 4);
    if rng.chance(35) {
        s.push_str(rng.word(&[
            ".pre", ".pre1", ".rc1", ".rc.2", ".beta", ".beta.2", ".alpha", "-alpha", "-rc1", ".a",
            ".b1", "a", "rc3", ".pre.1", "-beta.2", ".dev", ".RC1", "-x86",
        ]));
    }
    s
}

pub(crate) const GEM: Spec = Spec {
    fresh: gem_fresh,
    suffixes: &[".pre", ".rc1", ".0", ".1", "a", "-beta", ".b"],
    leading_zeros: true,
    recase: true,
    reshape: true,
};

// ---------------------------------------------------------------- ranges

/// A small-number version (so that it often lands on or near range bounds).
fn small_dotted(rng: &mut Rng, min: u64, max: u64) -> String {
    let n = min + rng.below(max - min + 1);
    (0..n)
        .map(|_| rng.below(4).to_string())
        .collect::<Vec<_>>()
        .join(".")
}

fn npm_partial(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => format!("{}", rng.below(4)),
        1 => format!("{}.{}", rng.below(4), rng.below(4)),
        2 => format!("{}.x", rng.below(4)),
        3 => format!("{}.{}.*", rng.below(4), rng.below(4)),
        4 => format!(
            "{}.{}.{}-{}",
            rng.below(4),
            rng.below(4),
            rng.below(4),
            rng.word(&["alpha", "beta.1", "0", "rc.2"])
        ),
        _ => format!("{}.{}.{}", rng.below(4), rng.below(4), rng.below(4)),
    }
}

pub(crate) fn npm_range(rng: &mut Rng) -> String {
    let alts = 1 + rng.below(2);
    (0..alts)
        .map(|_| match rng.below(8) {
            0 => format!("^{}", npm_partial(rng)),
            1 => format!("~{}", npm_partial(rng)),
            2 => format!("{} - {}", npm_partial(rng), npm_partial(rng)),
            3 => format!(">={} <{}", npm_partial(rng), npm_partial(rng)),
            4 => format!(
                "{}{}",
                rng.word(&["<", "<=", ">", ">=", "=", ""]),
                npm_partial(rng)
            ),
            5 => rng.word(&["*", "x", ">=0.0.0"]).to_string(),
            6 => format!(">{} <={}", npm_partial(rng), npm_partial(rng)),
            _ => npm_partial(rng),
        })
        .collect::<Vec<_>>()
        .join(" || ")
}

pub(crate) fn npm_version(rng: &mut Rng) -> String {
    let mut s = format!("{}.{}.{}", rng.below(4), rng.below(4), rng.below(4));
    if rng.chance(25) {
        s.push('-');
        s.push_str(rng.word(&["alpha", "beta.1", "0", "rc.2", "beta", "alpha.3"]));
    }
    s
}

fn py_version_small(rng: &mut Rng) -> String {
    let mut s = small_dotted(rng, 1, 3);
    if rng.chance(15) {
        s.push_str(rng.word(&["a1", "b2", "rc1", "a0"]));
    }
    if rng.chance(10) {
        s.push_str(rng.word(&[".post1", ".post2"]));
    }
    if rng.chance(8) {
        s.push_str(".dev1");
    }
    if rng.chance(8) {
        s.push_str(rng.word(&["+local", "+1"]));
    }
    s
}

pub(crate) fn pypi_range(rng: &mut Rng) -> String {
    let n = 1 + rng.below(3);
    (0..n)
        .map(|_| match rng.below(10) {
            0 => format!("=={}.*", small_dotted(rng, 1, 2)),
            1 => format!("!={}.*", small_dotted(rng, 1, 2)),
            2 => format!("~={}", small_dotted(rng, 2, 3)),
            _ => {
                // Local labels are only allowed after `==`/`!=`.
                let op = rng.word(&[">=", "<", "<=", ">", "==", "!="]);
                let v = py_version_small(rng);
                let v = if op.contains('=') && op != ">=" && op != "<=" {
                    v
                } else {
                    v.split('+').next().unwrap_or("0").to_string()
                };
                format!("{op}{v}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn pypi_version(rng: &mut Rng) -> String {
    py_version_small(rng)
}

fn maven_small(rng: &mut Rng) -> String {
    let mut s = if rng.chance(50) {
        let k = rng.below(30);
        format!("{}.{}", k / 10, k % 10)
    } else {
        small_dotted(rng, 1, 3)
    };
    if rng.chance(20) {
        s.push_str(rng.word(&["-SNAPSHOT", "-alpha-1", "-rc1", ".Final", "-sp1", "-1"]));
    }
    s
}

/// Maven ranges with ordered bounds (Maven rejects `[2,1)` and overlapping unions).
pub(crate) fn maven_range(rng: &mut Rng) -> String {
    let mut ks: Vec<u64> = (0..4).map(|_| rng.below(30)).collect();
    ks.sort_unstable();
    let b = |k: u64| format!("{}.{}", k / 10, k % 10);
    let one = |rng: &mut Rng, lo: u64, hi: u64| match rng.below(6) {
        0 => format!("[{}]", maven_small(rng)),
        1 => format!("(,{}{}", b(hi), rng.word(&["]", ")"])),
        2 => format!("{}{},)", rng.word(&["[", "("]), b(lo)),
        _ if lo == hi => format!("[{},{}]", b(lo), b(hi)),
        _ => format!(
            "{}{},{}{}",
            rng.word(&["[", "("]),
            b(lo),
            b(hi),
            rng.word(&["]", ")"])
        ),
    };
    if ks[1] < ks[2] && rng.chance(40) {
        // A union of two disjoint ranges (each bounded on both sides).
        let lo = format!(
            "{}{},{}{}",
            rng.word(&["[", "("]),
            b(ks[0]),
            b(ks[1]),
            rng.word(&[")", "]"])
        );
        let hi = format!(
            "{}{},{}{}",
            rng.word(&["[", "("]),
            b(ks[2]),
            b(ks[3]),
            rng.word(&[")", "]"])
        );
        format!("{lo},{hi}")
    } else {
        one(rng, ks[0], ks[3])
    }
}

pub(crate) fn maven_version(rng: &mut Rng) -> String {
    maven_small(rng)
}

fn gem_small(rng: &mut Rng) -> String {
    let mut s = small_dotted(rng, 1, 3);
    if rng.chance(15) {
        s.push_str(rng.word(&[".pre", ".rc1", ".beta.2", "-alpha"]));
    }
    s
}

pub(crate) fn gem_range(rng: &mut Rng) -> String {
    let n = 1 + rng.below(2);
    (0..n)
        .map(|_| {
            format!(
                "{} {}",
                rng.word(&["~>", ">=", "<", "<=", ">", "=", "!="]),
                gem_small(rng)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn gem_version(rng: &mut Rng) -> String {
    gem_small(rng)
}
