//! Comparisons per second per scheme: from strings (`compare`: parse both + compare) and pre-parsed
//! (`Version::cmp`, what the matcher does after parsing once). `cargo bench -p trawl-version`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use trawl_version::{Scheme, Version, compare};

/// Realistic versions per scheme; every pair of them is compared.
fn samples(scheme: Scheme) -> &'static [&'static str] {
    match scheme {
        Scheme::Deb => &[
            "1.2.3-1",
            "1:2.36-9+deb12u4",
            "2.36-9+deb12u3",
            "7.88.1-10+deb12u5",
            "1.0~rc1-2",
            "3.0.11-1~deb12u2",
            "5.2.15-2+b2",
            "2.2.14~dfsg-1ubuntu0.1",
            "0.9.8-3",
            "10.2.1-6",
        ],
        Scheme::Apk => &[
            "1.2.3-r0",
            "1.36.1-r5",
            "3.1.4-r5",
            "1.2.13_rc1-r0",
            "8.5.0-r0",
            "2.4.57-r0",
            "1.1.1w-r1",
            "3.0.12-r4",
            "0.9.8_p1-r2",
            "1.36.1-r15",
        ],
        Scheme::Rpm => &[
            "1.2.3-1.el8",
            "0:2.28-225.el8",
            "2.28-236.el8_7",
            "1:1.1.1k-9.el8_7",
            "4.18.0-477.10.1.el8_8",
            "7.61.1-30.el8_8.3",
            "1.0^git20230101-1.fc38",
            "2.5~rc1-3.cm2",
            "3.0.7-25.el9",
            "5.1.8-6.el9",
        ],
        Scheme::Pep440 => &[
            "1.2.3",
            "2.31.0",
            "1.26.18",
            "23.2.1",
            "3.9.0rc1",
            "1.0.post1",
            "2.0.0.dev3",
            "1!1.0",
            "4.2.1+cu118",
            "0.10.0a2",
        ],
        Scheme::Npm | Scheme::Cargo | Scheme::Hex | Scheme::Pub => &[
            "1.2.3",
            "4.17.21",
            "1.0.0-alpha.1",
            "2.0.0-rc.2",
            "0.1.0",
            "10.2.4",
            "3.0.0-beta",
            "1.2.3+build.5",
            "0.0.1",
            "18.2.0",
        ],
        Scheme::Go => &[
            "v1.2.3",
            "v0.0.0-20210921155107-089bfa567519",
            "v1.20.0",
            "v2.1.0+incompatible",
            "v0.3.7",
            "v1.4.1-0.20230101000000-abcdef123456",
            "v0.14.0",
            "v1.54.0",
            "v0.10.0-rc.1",
            "v1.0.0",
        ],
        Scheme::Maven => &[
            "1.2.3",
            "2.14.2",
            "5.3.20.RELEASE",
            "1.0-SNAPSHOT",
            "31.1-jre",
            "2.0.0-M1",
            "9.4.51.v20230217",
            "1.1.0-beta-3",
            "3.2.2",
            "6.0.0.Final",
        ],
        Scheme::RubyGems => &[
            "1.2.3",
            "7.0.4.3",
            "6.1.7.2",
            "2.0.0.pre.1",
            "1.13.10",
            "3.2.0.rc1",
            "0.9.1",
            "5.0.0.beta2",
            "1.0.0",
            "2.8.5",
        ],
        Scheme::NuGet => &[
            "1.2.3",
            "13.0.3",
            "6.0.0-preview.7.21377.19",
            "4.3.0",
            "2.1.0-beta.1",
            "1.0.0.1",
            "7.0.0",
            "5.2.9",
            "3.1.0-RC1",
            "12.0.1",
        ],
        Scheme::Packagist => &[
            "1.2.3",
            "v5.4.21",
            "2.0.0-beta1",
            "1.0.0-dev",
            "7.4.5",
            "v6.3.0-RC1",
            "1.0pl1",
            "3.1.0",
            "10.2.1",
            "4.0.0-alpha",
        ],
        Scheme::Cran => &[
            "1.2-3", "0.9.1", "1.0.0", "3.6.3", "1.4-1", "0.1-2", "2.0.1", "1.15.0", "4.2.1",
            "0.3.2.1",
        ],
        Scheme::Hackage => &[
            "1.2.3", "0.1.26.0", "2.0", "1.0.0.1", "4.17.0.0", "0.11.3", "1.4.2", "3.0", "2.2.1",
            "0.1",
        ],
        Scheme::Upstream => &[
            "1.22.1",
            "3.11.2",
            "17.0.9+9",
            "1.1.1w",
            "3.12.0a1",
            "8.0.0-rc1",
            "2.4.62",
            "10.11.6",
            "7.88.1",
            "1.0.2za",
        ],
        Scheme::Generic => &[
            "1.2.3", "2.0rc1", "v3.1", "1.0-beta", "4.5.6.7", "0.9", "2023.1", "1.2", "7", "1.0.1a",
        ],
    }
}

fn bench(c: &mut Criterion) {
    for scheme in Scheme::ALL {
        let vs = samples(scheme);
        let pairs: Vec<(&str, &str)> = vs
            .iter()
            .flat_map(|a| vs.iter().map(move |b| (*a, *b)))
            .collect();
        let parsed: Vec<(Version, Version)> = pairs
            .iter()
            .map(|(a, b)| {
                (
                    Version::parse(scheme, a).expect("sample parses"),
                    Version::parse(scheme, b).expect("sample parses"),
                )
            })
            .collect();
        let mut group = c.benchmark_group(scheme.as_str());
        group.throughput(Throughput::Elements(pairs.len() as u64));
        group.bench_function("compare_str", |bch| {
            bch.iter(|| {
                for (a, b) in &pairs {
                    black_box(compare(scheme, black_box(a), black_box(b)).expect("valid"));
                }
            });
        });
        group.bench_function("cmp_parsed", |bch| {
            bch.iter(|| {
                for (a, b) in &parsed {
                    black_box(black_box(a).cmp(black_box(b)));
                }
            });
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
