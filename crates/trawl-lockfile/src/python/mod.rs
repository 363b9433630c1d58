//! PyPI ecosystem: installed metadata (`*.dist-info/METADATA`, `*.egg-info/PKG-INFO`), requirements files,
//! Pipfile.lock, poetry.lock, uv.lock, pdm.lock and pylock.toml (PEP 751). Names are kept as written; the matcher applies PEP 503.

pub mod metadata;
pub mod pdm_lock;
pub mod pipfile_lock;
pub mod poetry_lock;
pub mod pylock;
pub mod requirements;
pub mod uv_lock;
