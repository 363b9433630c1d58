# Differential-test oracle for ranges: reads "REQUIREMENTS<TAB>VERSION" lines (requirements comma-separated) from
# the file named by ARGV[0] and prints "y"/"n" per line as Gem::Requirement#satisfied_by? decides, or "!" when the
# requirement or the version is invalid.
require 'rubygems'

out = []
File.foreach(ARGV[0], encoding: 'UTF-8') do |line|
  req, version = line.chomp.split("\t", 2)
  begin
    r = Gem::Requirement.new(*req.split(',').map(&:strip))
    raise ArgumentError unless Gem::Version.correct?(version)
    out << (r.satisfied_by?(Gem::Version.new(version)) ? 'y' : 'n')
  rescue ArgumentError, Gem::Requirement::BadRequirementError
    out << '!'
  end
end
$stdout.write(out.map { |o| "#{o}\n" }.join)
