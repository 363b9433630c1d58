#!/usr/bin/env python3
"""Comparisons per second of the reference implementations (the "peer" figures next to
`cargo bench -p trawl-version`): each oracle in scripts/oracles/ runs over N pairs, and again over 1 pair to take
its start-up time out. Pairs are the cross product of the same samples the criterion bench uses, repeated.

Usage: python3 crates/trawl-version/scripts/bench_references.py [N]   (default 200000)"""
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLES = os.path.join(HERE, "oracles")
ROOT = os.path.abspath(os.path.join(HERE, "../../.."))
JAR = "/usr/share/maven/lib/maven-artifact-3.x.jar"
SEMVER = os.path.join(ROOT, "target/trawl-version-oracles/node_modules/semver")

SAMPLES = {
    "debian": ["1.2.3-1", "1:2.36-9+deb12u4", "2.36-9+deb12u3", "7.88.1-10+deb12u5", "1.0~rc1-2",
               "3.0.11-1~deb12u2", "5.2.15-2+b2", "2.2.14~dfsg-1ubuntu0.1", "0.9.8-3", "10.2.1-6"],
    "rpm": ["1.2.3-1.el8", "0:2.28-225.el8", "2.28-236.el8_7", "1:1.1.1k-9.el8_7", "4.18.0-477.10.1.el8_8",
            "7.61.1-30.el8_8.3", "1.0^git20230101-1.fc38", "2.5~rc1-3.cm2", "3.0.7-25.el9", "5.1.8-6.el9"],
    "pypi": ["1.2.3", "2.31.0", "1.26.18", "23.2.1", "3.9.0rc1", "1.0.post1", "2.0.0.dev3", "1!1.0", "4.2.1+cu118",
             "0.10.0a2"],
    "npm": ["1.2.3", "4.17.21", "1.0.0-alpha.1", "2.0.0-rc.2", "0.1.0", "10.2.4", "3.0.0-beta", "1.2.3+build.5",
            "0.0.1", "18.2.0"],
    "maven": ["1.2.3", "2.14.2", "5.3.20.RELEASE", "1.0-SNAPSHOT", "31.1-jre", "2.0.0-M1", "9.4.51.v20230217",
              "1.1.0-beta-3", "3.2.2", "6.0.0.Final"],
    "rubygems": ["1.2.3", "7.0.4.3", "6.1.7.2", "2.0.0.pre.1", "1.13.10", "3.2.0.rc1", "0.9.1", "5.0.0.beta2",
                 "1.0.0", "2.8.5"],
}

COMMANDS = {
    "debian": ["perl", os.path.join(ORACLES, "dpkg_compare.pl")],
    "rpm": ["/usr/bin/python3", os.path.join(ORACLES, "rpm_compare.py")],
    "pypi": ["python3", os.path.join(ORACLES, "pep440_compare.py")],
    "npm": ["node", os.path.join(ORACLES, "npm_compare.js"), SEMVER],
    "maven": ["java", "-cp", JAR, os.path.join(ORACLES, "MavenCompare.java")],
    "rubygems": ["ruby", os.path.join(ORACLES, "gem_compare.rb")],
}


def timed(cmd, path):
    start = time.perf_counter()
    subprocess.run(cmd + [path], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as tmp:
        for eco, samples in SAMPLES.items():
            pairs = [(a, b) for a in samples for b in samples]
            big = os.path.join(tmp, f"{eco}-big.tsv")
            one = os.path.join(tmp, f"{eco}-one.tsv")
            with open(big, "w") as f:
                for k in range(n):
                    a, b = pairs[k % len(pairs)]
                    f.write(f"{a}\t{b}\n")
            with open(one, "w") as f:
                f.write(f"{pairs[0][0]}\t{pairs[0][1]}\n")
            t_big = min(timed(COMMANDS[eco], big) for _ in range(2))
            t_one = min(timed(COMMANDS[eco], one) for _ in range(2))
            rate = n / max(t_big - t_one, 1e-9)
            print(f"{eco:10} {rate / 1e6:8.3f} M comparisons/s  (batch of {n}, start-up {t_one:.2f}s excluded)")


if __name__ == "__main__":
    main()
