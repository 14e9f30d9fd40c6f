//! Interface listing (`--list-interfaces`, like `tcpdump -D`) and the default
//! interface choice.

use crate::source::InputError;

/// `tcpdump -D`-style lines: `1.eth0 [Up, Running]`.
pub fn list_interfaces() -> Result<Vec<String>, InputError> {
    let devices = pcap::Device::list().map_err(|e| InputError {
        path: "interfaces".into(),
        message: e.to_string(),
    })?;
    Ok(devices
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut flags = Vec::new();
            if d.flags.is_up() {
                flags.push("Up");
            }
            if d.flags.is_running() {
                flags.push("Running");
            }
            if d.flags.is_loopback() {
                flags.push("Loopback");
            }
            let desc = d
                .desc
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            format!("{}.{}{desc} [{}]", i + 1, d.name, flags.join(", "))
        })
        .collect())
}

/// As tcpdump: the first device libpcap lists that is up, running and not a
/// loopback; on Linux `any` when nothing else qualifies.
pub(super) fn pick_default() -> Result<String, InputError> {
    let err = |m: String| InputError {
        path: "interface".into(),
        message: m,
    };
    let devices = pcap::Device::list().map_err(|e| err(e.to_string()))?;
    let pick = devices
        .iter()
        .find(|d| {
            d.flags.is_up() && d.flags.is_running() && !d.flags.is_loopback() && d.name != "any"
        })
        .or_else(|| devices.iter().find(|d| d.name == "any"))
        .or_else(|| devices.first());
    pick.map(|d| d.name.clone())
        .ok_or_else(|| err("no capture interface found (try -i lo)".into()))
}
