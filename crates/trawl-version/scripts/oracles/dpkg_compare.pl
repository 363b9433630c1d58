#!/usr/bin/perl
# Differential-test oracle: reads "A<TAB>B" lines from the file named by the first argument and prints "<", "="
# or ">" per line, as dpkg orders A and B (Dpkg::Version, dpkg's own Perl implementation of verrevcmp; the test
# checks it against the dpkg binary on a sample).
use strict;
use warnings;
use Dpkg::Version qw(version_compare);

open(my $in, '<', $ARGV[0]) or die "open $ARGV[0]: $!";
binmode(STDOUT);
while (my $line = <$in>) {
    chomp $line;
    my ($a, $b) = split /\t/, $line, 2;
    my $c = version_compare($a, $b);
    print $c < 0 ? "<\n" : $c > 0 ? ">\n" : "=\n";
}
