//! `floodgen`: writes captures that attack one resource bound of authscope
//! each, for `scripts/flood.sh`.
//!
//! Owns the command line and one generator per attack; receives only its
//! arguments; emits a classic pcap of Ethernet/IPv4/TCP frames (valid
//! checksums, via `examples/gencap/wire.rs`) to a file or to standard output
//! (`--out -`, so a gigabyte-sized flood need not touch the disk). Output is
//! deterministic; credentials and addresses are made up (10.0.0.0/8 clients,
//! 192.0.2.1 as the server).
//!
//! ```text
//! cargo run --release --example floodgen -- syn --out - | authscope report -
//! ```
//!
//! Attacks (`--scale` multiplies the count, e.g. 0.01 for a quick run):
//! `syn` a million SYNs to distinct 4-tuples; `body` one connection sending
//! 1 GiB of response body that never ends; `header` a 10 MiB header line with
//! no CRLF; `ooo` 100,000 out-of-order segments with holes (1,000
//! connections); `pipeline` 100,000 pipelined requests with no responses;
//! `clients` a million distinct clients, each with one 401.

#[allow(dead_code)]
#[path = "gencap/wire.rs"]
mod wire;

use clap::{Parser, ValueEnum};
use std::io::{self, BufWriter, Write};
use wire::{CaptureWriter, Endpoint, FileFormat, Segment, ACK, PSH, SYN};

const EPOCH_US: u64 = 1_709_251_200_000_000;
const RST: u8 = 0x04;
const MSS: usize = 1448;

/// The bound a capture attacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Attack {
    Syn,
    Body,
    Header,
    Ooo,
    Pipeline,
    Clients,
}

/// Generate a flood capture.
#[derive(Debug, Parser)]
#[command(name = "floodgen")]
struct Args {
    /// Which bound to attack.
    #[arg(value_enum)]
    attack: Attack,
    /// Output file, `-` for standard output.
    #[arg(long, default_value = "-")]
    out: String,
    /// Multiplies the attack's count (1.0 is the full flood).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
}

/// A capture being written with its own clock (1 µs per packet).
struct Gen<W: Write> {
    w: CaptureWriter<W>,
    ts: u64,
}

impl<W: Write> Gen<W> {
    fn seg(
        &mut self,
        src: Endpoint,
        dst: Endpoint,
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
    ) -> io::Result<()> {
        self.ts += 1;
        let seg = Segment {
            src,
            dst,
            seq,
            ack,
            flags,
            window: 65_535,
            mss: None,
            payload,
        };
        self.w.write_segment(EPOCH_US + self.ts, &seg)
    }

    /// SYN, SYN-ACK, ACK. Client data starts at 1, server data at 1.
    fn handshake(&mut self, c: Endpoint, s: Endpoint) -> io::Result<()> {
        self.seg(c, s, 0, 0, SYN, &[])?;
        self.seg(s, c, 0, 1, SYN | ACK, &[])?;
        self.seg(c, s, 1, 1, ACK, &[])
    }

    /// Sends `data` from `a` to `b` starting at `seq`, in MSS-sized segments.
    fn send(
        &mut self,
        a: Endpoint,
        b: Endpoint,
        seq: u32,
        ack: u32,
        data: &[u8],
    ) -> io::Result<u32> {
        let mut seq = seq;
        for chunk in data.chunks(MSS) {
            self.seg(a, b, seq, ack, ACK | PSH, chunk)?;
            seq = seq.wrapping_add(chunk.len() as u32);
        }
        Ok(seq)
    }
}

fn client(n: u32) -> Endpoint {
    let b = n.to_be_bytes();
    Endpoint {
        mac: [2, 0, b[0], b[1], b[2], b[3]],
        ip: [10, b[1], b[2], b[3]],
        port: 40_000,
    }
}

fn server() -> Endpoint {
    Endpoint {
        mac: [2, 1, 0, 0, 0, 1],
        ip: [192, 0, 2, 1],
        port: 80,
    }
}

fn scaled(n: u64, scale: f64) -> u64 {
    ((n as f64 * scale).round() as u64).max(1)
}

fn syn<W: Write>(g: &mut Gen<W>, n: u64) -> io::Result<()> {
    for i in 0..n {
        let mut c = client((i / 60_000) as u32 + 1);
        c.port = 1024 + (i % 60_000) as u16;
        g.seg(c, server(), 7, 0, SYN, &[])?;
    }
    Ok(())
}

fn body<W: Write>(g: &mut Gen<W>, bytes: u64) -> io::Result<()> {
    let (c, s) = (client(1), server());
    g.handshake(c, s)?;
    let req = b"GET /download HTTP/1.1\r\nHost: flood.example\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n";
    let cseq = g.send(c, s, 1, 1, req)?;
    let head = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 1099511627776\r\n\r\n";
    let mut seq = g.send(s, c, 1, cseq, head)?;
    let chunk = [b'A'; MSS];
    for _ in 0..bytes.div_ceil(MSS as u64) {
        g.seg(s, c, seq, cseq, ACK, &chunk)?;
        seq = seq.wrapping_add(MSS as u32);
    }
    Ok(())
}

fn header<W: Write>(g: &mut Gen<W>, bytes: u64) -> io::Result<()> {
    let (c, s) = (client(1), server());
    g.handshake(c, s)?;
    let mut seq = g.send(
        c,
        s,
        1,
        1,
        b"GET / HTTP/1.1\r\nHost: flood.example\r\nX-Flood: ",
    )?;
    let chunk = [b'B'; MSS];
    for _ in 0..bytes.div_ceil(MSS as u64) {
        g.seg(c, s, seq, 1, ACK, &chunk)?;
        seq = seq.wrapping_add(MSS as u32);
    }
    Ok(())
}

fn ooo<W: Write>(g: &mut Gen<W>, segments: u64) -> io::Result<()> {
    let conns = 1000u64.min(segments);
    let per = segments / conns;
    let s = server();
    for i in 0..conns {
        g.handshake(client(i as u32 + 1), s)?;
    }
    let data = [b'C'; 1000];
    // Every segment lands one hole after the previous: the stream never
    // becomes contiguous, so everything waits in the out-of-order buffers.
    for k in (1..=per).rev() {
        for i in 0..conns {
            let seq = 1 + (k as u32) * 2000;
            g.seg(client(i as u32 + 1), s, seq, 1, ACK, &data)?;
        }
    }
    Ok(())
}

fn pipeline<W: Write>(g: &mut Gen<W>, n: u64) -> io::Result<()> {
    let (c, s) = (client(1), server());
    g.handshake(c, s)?;
    let mut seq = 1;
    let mut batch = Vec::with_capacity(MSS * 2);
    for i in 0..n {
        let req = format!(
            "GET /item/{i} HTTP/1.1\r\nHost: flood.example\r\nAuthorization: Bearer t{i}\r\n\r\n"
        );
        batch.extend_from_slice(req.as_bytes());
        if batch.len() >= MSS {
            let rest = batch.split_off(MSS);
            g.seg(c, s, seq, 1, ACK | PSH, &batch)?;
            seq += MSS as u32;
            batch = rest;
        }
    }
    g.send(c, s, seq, 1, &batch)?;
    Ok(())
}

fn clients<W: Write>(g: &mut Gen<W>, n: u64) -> io::Result<()> {
    let s = server();
    let req = b"GET /private HTTP/1.1\r\nHost: flood.example\r\n\r\n";
    let resp = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"flood\"\r\nContent-Length: 0\r\n\r\n";
    for i in 0..n {
        let c = client(i as u32 + 1);
        g.seg(c, s, 0, 0, SYN, &[])?;
        g.seg(s, c, 0, 1, SYN | ACK, &[])?;
        let cseq = g.send(c, s, 1, 1, req)?;
        let sseq = g.send(s, c, 1, cseq, resp)?;
        g.seg(c, s, cseq, sseq, RST | ACK, &[])?;
    }
    Ok(())
}

fn run<W: Write>(args: &Args, out: W) -> anyhow::Result<()> {
    let mut g = Gen {
        w: CaptureWriter::new(out, FileFormat::Pcap)?,
        ts: 0,
    };
    let k = args.scale;
    match args.attack {
        Attack::Syn => syn(&mut g, scaled(1_000_000, k))?,
        Attack::Body => body(&mut g, scaled(1 << 30, k))?,
        Attack::Header => header(&mut g, scaled(10 << 20, k))?,
        Attack::Ooo => ooo(&mut g, scaled(100_000, k))?,
        Attack::Pipeline => pipeline(&mut g, scaled(100_000, k))?,
        Attack::Clients => clients(&mut g, scaled(1_000_000, k))?,
    }
    let (packets, bytes) = (g.w.packets, g.w.bytes);
    g.w.finish()?;
    eprintln!(
        "floodgen: attack={:?} packets={packets} bytes={bytes}",
        args.attack
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.out == "-" {
        let stdout = io::stdout();
        run(&args, BufWriter::with_capacity(1 << 20, stdout.lock()))
    } else {
        run(
            &args,
            BufWriter::with_capacity(1 << 20, std::fs::File::create(&args.out)?),
        )
    }
}
