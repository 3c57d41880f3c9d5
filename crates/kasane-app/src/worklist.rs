//! The worklist: what waits for the caller, composed from each capability's own section
//! (one line per capability here, so a new one adds a line instead of editing another's).
