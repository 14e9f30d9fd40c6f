/// What the HTTP stage tells the TCP stage after each stream event: keep
/// delivering this connection's bytes, or stop (not HTTP, or upgraded to another
/// protocol), so that the reassembler stops buffering it and only tracks its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamInterest {
    /// Keep delivering.
    Continue,
    /// Stop delivering data for this connection; `Closed` is still delivered.
    Ignore,
}
