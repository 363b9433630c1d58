//! RubyGems ecosystem: `Gemfile.lock` / `gems.locked` and installed `specifications/*.gemspec`.

pub mod gemfile_lock;
pub mod gemspec;
