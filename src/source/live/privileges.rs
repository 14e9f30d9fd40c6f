//! Dropping root after the capture handle is open (as `tcpdump -Z`): the
//! supplementary groups, the group and the user are all changed, and the change
//! is checked to be irreversible before any packet is read.

use crate::source::InputError;
use nix::unistd::{getegid, geteuid, getgid, getuid, Uid, User};

/// The user to become: `-Z USER`, or, when running as root through sudo,
/// the user who ran sudo (`SUDO_USER`). `None`: keep the current identity.
pub(super) fn target_user(explicit: Option<&str>) -> Option<String> {
    match explicit {
        Some(u) => Some(u.to_string()),
        None if geteuid().is_root() => std::env::var("SUDO_USER")
            .ok()
            .filter(|u| u != "root" && !u.is_empty()),
        None => None,
    }
}

/// Becomes `name`. Already being that user (e.g. `-Z` naming oneself after a
/// `setcap` grant) is not an error.
pub(super) fn drop_to(name: &str) -> Result<(), InputError> {
    let err = |m: String| InputError {
        path: format!("user {name}"),
        message: m,
    };
    let u = User::from_name(name)
        .map_err(|e| err(format!("cannot look the user up: {e}")))?
        .ok_or_else(|| err("no such user".into()))?;
    let already =
        getuid() == u.uid && geteuid() == u.uid && getgid() == u.gid && getegid() == u.gid;
    if already {
        return Ok(());
    }
    nix::unistd::setgroups(&[u.gid]).map_err(|e| err(format!("setgroups: {e}")))?;
    nix::unistd::setgid(u.gid).map_err(|e| err(format!("setgid: {e}")))?;
    nix::unistd::setuid(u.uid).map_err(|e| err(format!("setuid: {e}")))?;
    if !u.uid.is_root() && nix::unistd::setuid(Uid::from_raw(0)).is_ok() {
        return Err(err("privileges could not be dropped for good".into()));
    }
    Ok(())
}
