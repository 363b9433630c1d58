# Differential-test oracle: reads "A<TAB>B" lines from the file named by ARGV[0] and prints "<", "=", ">" per
# line as Gem::Version#<=> orders A and B, or "!" when either is not a valid RubyGems version.
require 'rubygems'

out = []
File.foreach(ARGV[0], encoding: 'UTF-8') do |line|
  a, b = line.chomp.split("\t", 2)
  unless Gem::Version.correct?(a) && Gem::Version.correct?(b)
    out << '!'
    next
  end
  c = Gem::Version.new(a) <=> Gem::Version.new(b)
  out << (c.negative? ? '<' : c.positive? ? '>' : '=')
end
$stdout.write(out.map { |o| "#{o}\n" }.join)
