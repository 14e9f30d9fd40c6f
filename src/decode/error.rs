//! Why a frame (or fragment) could not be decoded; each cause has a stable
//! snake_case anomaly id.

/// A decode failure. Never fatal: it becomes a counter and an anomaly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The frame ends inside its link-layer header.
    #[error("frame shorter than its link-layer header")]
    TruncatedLink,
    /// More VLAN tags or MPLS labels than we follow.
    #[error("too many VLAN tags or MPLS labels")]
    TooManyTags,
    /// The frame ends inside the IPv4 header.
    #[error("frame ends inside the IPv4 header")]
    TruncatedIpv4,
    /// The frame ends inside the IPv6 header.
    #[error("frame ends inside the IPv6 header")]
    TruncatedIpv6,
    /// The IP version nibble is neither 4 nor 6.
    #[error("IP version is neither 4 nor 6")]
    BadIpVersion,
    /// IPv4 IHL below 5.
    #[error("IPv4 header length below 20 bytes")]
    BadIpHeaderLen,
    /// IPv4 total length shorter than its own header.
    #[error("IPv4 total length shorter than the header")]
    BadIpTotalLen,
    /// The IP header claims more bytes than the frame holds, without snaplen cutting it.
    #[error("IP length larger than the frame")]
    IpLengthExceedsFrame,
    /// An IPv6 extension header (or IPv4 AH) is cut short or misplaced.
    #[error("bad IPv6 extension header")]
    BadIpv6Extension,
    /// The frame ends inside the TCP header.
    #[error("frame ends inside the TCP header")]
    TruncatedTcp,
    /// TCP data offset below 5 words.
    #[error("TCP data offset below 20 bytes")]
    BadTcpDataOffset,
    /// The snap length cut the frame before the TCP payload.
    #[error("snap length cut the packet inside its headers")]
    SnaplenCutHeaders,
    /// A GRE, ERSPAN, VXLAN, TZSP or UDP header is cut short or invalid.
    #[error("bad tunnel header")]
    BadTunnelHeader,
    /// More nested encapsulations than we peel.
    #[error("tunnels nested too deep")]
    TunnelTooDeep,
    /// A fragment overlaps one already received (RFC 5722 drops the datagram).
    #[error("overlapping IP fragments")]
    FragmentOverlap,
    /// The same fragment arrived twice.
    #[error("duplicate IP fragment")]
    FragmentDuplicate,
    /// A non-final fragment whose length is not a multiple of 8 (RFC 791).
    #[error("fragment length not a multiple of 8")]
    FragmentBadLength,
    /// Fragments reach past the largest possible datagram.
    #[error("fragments exceed the maximum datagram size")]
    FragmentTooLarge,
    /// Fragments disagree on where the datagram ends.
    #[error("fragments disagree on the datagram length")]
    FragmentInconsistent,
    /// The datagram did not complete within the timeout.
    #[error("fragmented datagram timed out")]
    FragmentTimeout,
    /// The reassembly limits (datagrams, bytes, fragments) were reached.
    #[error("fragment reassembly limit reached")]
    FragmentLimit,
    /// A fragment inside a reassembled datagram (not reassembled twice).
    #[error("fragment nested in a reassembled datagram")]
    FragmentNested,
    /// A fragment cut short by the snap length cannot be reassembled.
    #[error("fragment cut by the snap length")]
    FragmentTruncated,
}

impl DecodeError {
    /// The stable anomaly id.
    pub fn code(self) -> &'static str {
        use DecodeError::*;
        match self {
            TruncatedLink => "decode_truncated_link",
            TooManyTags => "decode_too_many_tags",
            TruncatedIpv4 => "decode_truncated_ipv4",
            TruncatedIpv6 => "decode_truncated_ipv6",
            BadIpVersion => "decode_bad_ip_version",
            BadIpHeaderLen => "decode_bad_ip_header_len",
            BadIpTotalLen => "decode_bad_ip_total_len",
            IpLengthExceedsFrame => "decode_ip_length_exceeds_frame",
            BadIpv6Extension => "decode_bad_ipv6_extension",
            TruncatedTcp => "decode_truncated_tcp",
            BadTcpDataOffset => "decode_bad_tcp_data_offset",
            SnaplenCutHeaders => "decode_snaplen_cut_headers",
            BadTunnelHeader => "decode_bad_tunnel_header",
            TunnelTooDeep => "decode_tunnel_too_deep",
            FragmentOverlap => "decode_fragment_overlap",
            FragmentDuplicate => "decode_fragment_duplicate",
            FragmentBadLength => "decode_fragment_bad_length",
            FragmentTooLarge => "decode_fragment_too_large",
            FragmentInconsistent => "decode_fragment_inconsistent",
            FragmentTimeout => "decode_fragment_timeout",
            FragmentLimit => "decode_fragment_limit",
            FragmentNested => "decode_fragment_nested",
            FragmentTruncated => "decode_fragment_truncated",
        }
    }
}
