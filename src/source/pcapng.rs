//! A minimal pcapng writer (one section, one interface, enhanced packet blocks)
//! for `live --write`. libpcap's savefile API writes only classic pcap, and the
//! format is a few fixed blocks, so it is written here (pcapng draft, sections
//! 4.1 SHB, 4.2 IDB, 4.3 EPB). Write errors stop writing and are reported once.

use crate::model::Timestamp;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// An open pcapng file.
pub struct PcapngWriter {
    out: BufWriter<File>,
    failed: bool,
}

fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let pad = (4 - body.len() % 4) % 4;
    let total = (12 + body.len() + pad) as u32;
    let mut b = Vec::with_capacity(total as usize);
    b.extend_from_slice(&kind.to_le_bytes());
    b.extend_from_slice(&total.to_le_bytes());
    b.extend_from_slice(body);
    b.extend(std::iter::repeat_n(0u8, pad));
    b.extend_from_slice(&total.to_le_bytes());
    b
}

impl PcapngWriter {
    /// Creates the file and writes the section and interface headers
    /// (microsecond timestamps, the default resolution).
    pub fn create(path: &Path, link_type: u16, snaplen: i32) -> std::io::Result<Self> {
        let mut out = BufWriter::with_capacity(1 << 16, File::create(path)?);
        let mut shb = Vec::new();
        shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&u64::MAX.to_le_bytes());
        out.write_all(&block(0x0a0d_0d0a, &shb))?;
        let mut idb = Vec::new();
        idb.extend_from_slice(&link_type.to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&u32::try_from(snaplen.max(0)).unwrap_or(0).to_le_bytes());
        out.write_all(&block(1, &idb))?;
        Ok(PcapngWriter { out, failed: false })
    }

    /// Appends one packet.
    pub fn write(&mut self, ts: Timestamp, orig_len: u32, data: &[u8]) {
        if self.failed {
            return;
        }
        let micros = u64::try_from(ts.as_micros()).unwrap_or(0);
        let mut epb = Vec::with_capacity(20 + data.len());
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&((micros >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(micros as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&orig_len.to_le_bytes());
        epb.extend_from_slice(data);
        if self.out.write_all(&block(6, &epb)).is_err() {
            self.failed = true;
        }
    }

    /// Flushes buffered blocks to the file.
    pub fn flush(&mut self) {
        if self.out.flush().is_err() {
            self.failed = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_file_reads_back_with_libpcap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.pcapng");
        let mut w = PcapngWriter::create(&path, 1, 65535).expect("create");
        w.write(
            Timestamp::from_secs_micros(1_700_000_000, 5),
            64,
            &[0xab; 61],
        );
        w.write(Timestamp::from_secs_micros(1_700_000_001, 7), 3, &[1, 2, 3]);
        w.flush();
        drop(w);
        let mut cap = pcap::Capture::from_file(&path).expect("libpcap opens it");
        let p = cap.next_packet().expect("first");
        assert_eq!(
            (p.header.ts.tv_sec, p.header.ts.tv_usec, p.header.len),
            (1_700_000_000, 5, 64)
        );
        assert_eq!(p.data.len(), 61);
        let p = cap.next_packet().expect("second");
        assert_eq!(p.data, &[1, 2, 3]);
        assert!(cap.next_packet().is_err());
    }
}
