// Differential-test oracle for ranges: reads "RANGE<TAB>VERSION" lines from the file named by argv[3] and prints
// "y" or "n" per line as node-semver's satisfies() decides, or "!" when the range or the version is invalid.
// Usage: node npm_satisfies.js <path to the semver package> pairs.tsv
'use strict';
const fs = require('fs');
const semver = require(process.argv[2]);
const out = [];
for (const line of fs.readFileSync(process.argv[3], 'utf8').split('\n')) {
  if (line === '') continue;
  const tab = line.indexOf('\t');
  const range = line.slice(0, tab);
  const version = line.slice(tab + 1);
  if (semver.validRange(range) === null || semver.valid(version) === null) {
    out.push('!');
    continue;
  }
  out.push(semver.satisfies(version, range) ? 'y' : 'n');
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
