#!/bin/sh
# Differential-test oracle (the real binary, for a sample): reads "A<TAB>B" lines from the file named by $1 and
# prints "<", "=" or ">" per line using `dpkg --compare-versions` (one shell, one dpkg call per comparison).
set -eu
tab=$(printf '\t')
while IFS="$tab" read -r a b; do
  if dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then echo "<"
  elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo "="
  else echo ">"
  fi
done < "$1"
