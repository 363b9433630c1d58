//! TEMPORARY: routed to the generic order until the dedicated comparator lands (work in progress).

pub(crate) use crate::generic::GenericVersion as NuGetVersion;
pub(crate) use crate::generic::parse;
