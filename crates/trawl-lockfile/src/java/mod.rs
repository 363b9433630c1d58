//! Maven ecosystem: Java archives (jar, war, ear, par and friends, nested and shaded), `pom.xml` and
//! `gradle.lockfile`, sbt's `build.sbt.lock`. Names are `groupId:artifactId`.

pub mod archive;
pub mod gradle_lockfile;
pub mod pom;
pub mod sbt_lock;
