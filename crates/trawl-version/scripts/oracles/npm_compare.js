// Differential-test oracle: reads "A<TAB>B" lines from the file named by argv[3] and prints "<", "=", ">" per
// line as node-semver's compare() orders A and B, or "!" when either is not a valid (strict) SemVer version.
// Usage: node npm_compare.js <path to the semver package> pairs.tsv
'use strict';
const fs = require('fs');
const semver = require(process.argv[2]);
const lines = fs.readFileSync(process.argv[3], 'utf8').split('\n');
const out = [];
for (const line of lines) {
  if (line === '') continue;
  const tab = line.indexOf('\t');
  const a = line.slice(0, tab);
  const b = line.slice(tab + 1);
  if (semver.valid(a) === null || semver.valid(b) === null) {
    out.push('!');
    continue;
  }
  const c = semver.compare(a, b);
  out.push(c < 0 ? '<' : c > 0 ? '>' : '=');
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
