//! Maven ecosystem: Java archives (jar, war, ear, par and friends, nested and shaded), `pom.xml` and
//! `gradle.lockfile`. Names are `groupId:artifactId`.

pub mod archive;
pub mod gradle_lockfile;
pub mod pom;
