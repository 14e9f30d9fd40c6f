//! Cross-check against a peer: for the corpus `http/` and `auth/` captures that
//! have no Zeek baseline, our request and response counts must equal tshark's
//! (`-Y http.request` / `http.response`, out-of-order reassembly on, the
//! non-standard ports of MANIFEST.md decoded as HTTP). Files where the counts
//! differ are listed with the reason. Skips when tshark is absent.

mod common;

use common::{corpus_dir, files_under, report_json_lenient, run_with_deadline};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The ports MANIFEST.md says were decoded as HTTP.
const PORTS: &[u16] = &[
    8000, 8001, 8065, 1080, 8888, 5432, 5060, 6667, 22, 81, 8008, 4443, 8081, 9000, 3000, 5000,
    888, 8002, 3128, 1234,
];

/// Captures whose counts differ from tshark's, with whose mistake it is.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "sv_http-evader-054.pcap",
        "tshark's: the status line is lower case (`http/1.1 200 ok`); browsers match the version case-insensitively and Zeek logs it (zeek_http-lower-case), tshark shows no response",
    ),
    (
        "sv_http-evader-055.pcap",
        "tshark's: the status line is lower case (`http/1.1 200 ok`); browsers match the version case-insensitively and Zeek logs it (zeek_http-lower-case), tshark shows no response",
    ),
    (
        "sv_http-evader-056.pcap",
        "tshark's: the status line is lower case (`http/1.1 200 ok`); browsers match the version case-insensitively and Zeek logs it (zeek_http-lower-case), tshark shows no response",
    ),
    (
        "sv_http-evader-364.pcap",
        "tshark's: the status line is lower case (`http/1.1 200 ok`); browsers match the version case-insensitively and Zeek logs it (zeek_http-lower-case), tshark shows no response",
    ),
    (
        "arkime_http-tcp-seq-issue.pcap",
        "tshark's: the capture ends inside the response body; tshark waits for the whole body and never shows the response head we report (http_truncated_body)",
    ),
    (
        "ndpi_http_on_sip_port.pcap",
        "tshark's: the capture ends inside the response body; tshark waits for the whole body and never shows the response head we report (http_truncated_body)",
    ),
    (
        "ndpi_windowsupdate_over_http.pcap",
        "tshark's: the capture ends inside the response body; tshark waits for the whole body and never shows the response head we report (http_truncated_body)",
    ),
    (
        "packets_latency1.pcapng",
        "tshark's: the capture ends inside the response body; tshark waits for the whole body and never shows the response head we report (http_truncated_body)",
    ),
    (
        "sv_http-response-line.pcap",
        "tshark's: the capture ends inside the response body; tshark waits for the whole body and never shows the response head we report (http_truncated_body)",
    ),
    (
        "pcpp_TwoHttpResponses.pcap",
        "tshark's: two responses without their requests, both cut inside the body; tshark waits for the bodies and shows neither",
    ),
    (
        "pcpp_raw_ip.pcap",
        "tshark's: the 7th response (/images/space23.jpg) is cut inside its body; tshark waits for the rest and drops it",
    ),
    (
        "pcpp_HttpMalformedResponse.pcapng",
        "tshark's: a lone 403 whose chunked body is garbled; tshark waits for the chunk end and shows no response, we report the 403 (http_bad_chunk)",
    ),
    (
        "scapy_http_compressed-zstd.pcap",
        "tshark's: a lone 200 whose body is cut; tshark waits for the body and shows no response",
    ),
    (
        "pcpp_unidirectional_tcp_stream_with_missing_packet.pcap",
        "tshark's: a packet of the first POST body is missing; tshark never completes that PDU nor the POST after it, we report both requests (no responses were captured)",
    ),
    (
        "zeek_entity_gap.pcap",
        "tshark's: a gap inside the response body; tshark cannot complete the PDU and drops the response, we keep it (http_body_gap)",
    ),
    (
        "zeek_erspan-ntlm-sharepoint.pcap",
        "tshark's: 11 gaps in the mirrored traffic; tshark drops every response whose body has a hole (8 left), we keep 17 (5 requests are really unanswered)",
    ),
    (
        "zeek_1000-requests-one-dropped-response.pcap.gz",
        "tshark's: tshark stops at the gap of the one dropped response and loses the 999 responses after it; Zeek's test baseline has them, as we do",
    ),
    (
        "zeek_spicy_gap-recovery.pcap",
        "tshark's: tshark stops at the first gap and loses 9 of the 10 responses; we resynchronise after it",
    ),
    (
        "zeek_zero-length-bodies-with-drops.pcap",
        "tshark's: packet drops; tshark stops reassembling at the first gap (3 requests, 3 responses), we resynchronise and find 7 requests and 8 responses (one response's request was dropped)",
    ),
    (
        "sv_http-gap-simple.pcap",
        "tshark's: a gap in a response body; tshark loses that response and the next, we keep all 3",
    ),
    (
        "sv_http-gap-double.pcap",
        "tshark's: two gaps in response bodies; tshark keeps 1 response, we keep all 3",
    ),
    (
        "sv_http-gap-whole-body.pcap",
        "tshark's: a whole response body is missing; tshark shows none of the 3 responses, we keep all 3",
    ),
    (
        "sv_http-gap-beyond-body.pcap",
        "tshark's: a gap runs past a body's end; tshark shows no response, we keep the one before the gap and lose the 2 whose heads fell in it",
    ),
    (
        "pcap2har_out-of-order.pcap",
        "tshark's: even with out-of-order reassembly tshark 4.0 loses 47 responses behind reordered segments; pcap2har's HAR baseline has 287, as we do",
    ),
    (
        "lwerdna_simple_http_tzsp.pcapng",
        "tshark's: TZSP on UDP port 31337; tshark decodes TZSP only on 37008, we recognise its header on any port",
    ),
    (
        "sv_http-multiple-cl.pcap",
        "tshark's: conflicting Content-Length (11 and 93) is unrecoverable (RFC 9112 §6.3); the server read one request, answered 501 and closed; tshark uses one length and counts a second request inside the body",
    ),
    (
        "pcap2har-go_insecure-cookie-login.pcap",
        "tshark's count includes 4 SSDP M-SEARCH requests over UDP multicast; we read HTTP over TCP only (TCP: 21/21 on both sides)",
    ),
    (
        "sv_http-request-invalid.pcap",
        "tshark's count includes 4 SSDP M-SEARCH requests over UDP multicast; we read HTTP over TCP only (TCP requests: 4 on both sides); 2 responses answer invalid request lines we skip",
    ),
    (
        "sv_http-evader-026.pcap",
        "tshark's: the final chunk `0\\n` is not followed by the empty line before the close; tshark waits for it and shows no response, a browser shows the body",
    ),
    (
        "sv_http-evader-044.pcap",
        "tshark's: HTTP/1.0 response with `Transfer-Encoding: chunked` and a plain close-delimited body; tshark de-chunks, fails and shows no response; we report the 200",
    ),
    (
        "sv_http-evader-099.pcap",
        "tshark's: the connection closes inside a chunk; tshark shows no response, we report the 200 (a browser shows the partial body)",
    ),
    (
        "zeek_tcp_retransmit-timeout.pcapng",
        "ours, by design: the GET is retransmitted 300.00001 s later, just past our 300 s idle timeout, so the copy opens a new mid-stream connection and counts as a second request; tshark marks it a spurious retransmission",
    ),
    (
        "arkime_socks5-http-302.pcap",
        "ours: HTTP inside a SOCKS5 tunnel (port 1080); the stream starts with the binary SOCKS handshake, so we declare it not HTTP; tshark's SOCKS dissector hands the tunnelled bytes to HTTP",
    ),
    (
        "arkime_socks5-http-302-frag.pcap",
        "ours: as arkime_socks5-http-302.pcap (HTTP inside SOCKS5), with the handshake split over segments",
    ),
    (
        "tcpdump_arcnet-rfc1051-arp-icmp-http.pcap",
        "ours: Linux ARCNET link type (DLT 129) is not decoded",
    ),
    (
        "tcpdump_arcnet-rfc1201-arp-icmp-http.pcap",
        "ours: Linux ARCNET link type (DLT 129) is not decoded",
    ),
    (
        "sv_http-missing-protocol.pcap",
        "on purpose: the request line has no HTTP version (HTTP/0.9 form); we parse HTTP/1.x only (RFC 9112 §3) and no response came; tshark counts it",
    ),
    (
        "sv_http-not09.pcap",
        "on purpose: `GET /` without a version (HTTP/0.9 simple request); we parse HTTP/1.x only; no response came; tshark counts it",
    ),
    (
        "sv_http1-noint-status.pcap",
        "on purpose: status `2XX` is not three digits (RFC 9112 §4); we leave the request unanswered rather than invent a status; tshark counts a response",
    ),
    (
        "sv_http-evader-467.pcap",
        "on purpose: status `2xx` is not three digits (RFC 9112 §4); we leave the request unanswered; tshark counts a response",
    ),
    (
        "sv_http-evader-471.pcap",
        "on purpose: status `2000` is not three digits (RFC 9112 §4); we leave the request unanswered; tshark counts a response",
    ),
    (
        "sv_http-evader-477.pcap",
        "on purpose: status `0204` is not three digits (RFC 9112 §4); we leave the request unanswered; tshark counts a response",
    ),
    (
        "sv_http-evader-447.pcap",
        "on purpose: the only answer is `100 ok` with a body; a 1xx is interim (RFC 9110 §15.2) and a browser waits for a final response that never comes, so the request stays unanswered; tshark counts the 100",
    ),
    (
        "sv_http-evader-449.pcap",
        "on purpose: the only answer is `102 ok` with a body; interim (RFC 9110 §15.2), no final response follows, the request stays unanswered; tshark counts the 102",
    ),
    (
        "ndpi_http-manipulated.pcap",
        "tshark's: the third response (/rick.gif) is cut inside its body; tshark waits for the rest and drops it",
    ),
    (
        "sv_http-evader-373.pcap",
        "tshark's: a bare CR after the version (`HTTP/1.1\\r 200 ok`); tshark rejects the status line, we read the CR as whitespace (RFC 9112 §2.2) and report the 200",
    ),
];

fn tshark_available() -> bool {
    Command::new("tshark")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Requests and responses tshark dissects in `file`, from one pass that
/// prints both fields of every HTTP frame.
fn tshark_counts(file: &Path) -> (usize, usize) {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(file);
    cmd.args(["-o", "tcp.reassemble_out_of_order:TRUE"]);
    for p in PORTS {
        cmd.args(["-d", &format!("tcp.port=={p},http")]);
    }
    cmd.args(["-Y", "http.request or http.response", "-T", "fields"]);
    cmd.args([
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
        "-E",
        "separator=/t",
    ]);
    cmd.args(["-e", "http.request.method", "-e", "http.response.code"]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let run = run_with_deadline(cmd, Duration::from_secs(120));
    assert!(!run.timed_out, "{}: tshark timed out", file.display());
    let count = |field: &str| field.split(',').filter(|v| !v.is_empty()).count();
    String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(|l| {
            let mut cols = l.split('\t');
            let req = cols.next().map_or(0, count);
            (req, cols.next().map_or(0, count))
        })
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// (requests, responses).
type Counts = (usize, usize);

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn our_counts(report: &serde_json::Value) -> Counts {
    let empty = Vec::new();
    let list = report["exchanges"].as_array().unwrap_or(&empty);
    let requests = list.iter().filter(|e| !e["method"].is_null()).count();
    let responses = list
        .iter()
        .map(|e| {
            let interim = e["interim"].as_array().map_or(0, Vec::len);
            usize::from(!e["status"].is_null()) + interim
        })
        .sum();
    (requests, responses)
}

#[test]
fn request_and_response_counts_match_tshark() {
    let Some(corpus) = corpus_dir() else { return };
    if !tshark_available() {
        eprintln!("SKIP: tshark is not installed (scripts/setup.sh --test installs it)");
        return;
    }
    let all = files_under(&corpus);
    let has_zeek = |name: &str| {
        all.iter().any(|p| {
            p.to_string_lossy()
                .contains(&format!("{name}.zeek-http.log"))
        })
    };
    let files: Vec<PathBuf> = ["http", "auth"]
        .iter()
        .flat_map(|sub| files_under(&corpus.join(sub)))
        .filter(|f| !has_zeek(&file_name(f)))
        .collect();
    // Two workers: each file costs one tshark run and one of ours.
    let results: Vec<(String, Counts, Counts)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|w| {
                let files = &files;
                scope.spawn(move || {
                    files
                        .iter()
                        .skip(w)
                        .step_by(2)
                        .map(|f| {
                            let theirs = tshark_counts(f);
                            (file_name(f), our_counts(&report_json_lenient(f)), theirs)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker panicked"))
            .collect()
    });
    let checked = results.len();
    let mut failures = Vec::new();
    let mut matching = 0;
    for (name, ours, theirs) in &results {
        let known = KNOWN_DIFFERENCES.iter().find(|(f, _)| f == name);
        match (ours == theirs, known) {
            (true, None) => matching += 1,
            (true, Some(_)) => {
                failures.push(format!("{name}: listed as differing but now matches"))
            }
            (false, Some((_, why))) => {
                eprintln!("{name}: known difference ours {ours:?} tshark {theirs:?} ({why})")
            }
            (false, None) => failures.push(format!(
                "{name}: ours (requests, responses) {ours:?}, tshark {theirs:?}"
            )),
        }
    }
    for (listed, _) in KNOWN_DIFFERENCES {
        if !results.iter().any(|(n, _, _)| n == listed) {
            failures.push(format!("{listed}: listed but not checked"));
        }
    }
    eprintln!("{matching} of {checked} captures match tshark");
    assert!(checked > 50, "only {checked} captures checked");
    assert!(
        failures.is_empty(),
        "differences from tshark:\n{}",
        failures.join("\n")
    );
}
