//! `authscope live` end to end on loopback: the project's test server
//! (tools/authserver.py) on 127.0.0.1, a real client (curl), the built binary
//! capturing on `lo`. NDJSON is read as it is written, and what matters is
//! checked while the capture is still running. Needs capture permission (root
//! or CAP_NET_RAW) and python3 and curl; skips with a printed reason without them.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// A child process killed (and reaped) when the test ends, passing or not.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_authscope")
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Why these tests cannot run here, if they cannot.
fn skip_reason() -> Option<String> {
    for tool in ["python3", "curl"] {
        if !have(tool) {
            return Some(format!("{tool} not found"));
        }
    }
    let mut probe = Command::new(bin())
        .args(["live", "-i", "lo", "--headless", "--duration", "0.1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn authscope");
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = probe.try_wait() {
            if status.success() {
                return None;
            }
            let mut err = String::new();
            if let Some(mut e) = probe.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            return Some(format!("no capture permission on lo: {}", err.trim()));
        }
        if start.elapsed() > Duration::from_secs(15) {
            let _ = probe.kill();
            let _ = probe.wait();
            return Some("the capture probe did not end".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .is_some_and(|l| l.split_whitespace().nth(2) == Some("0"))
    })
}

/// The test server on an ephemeral port of 127.0.0.1; returns it and the port.
fn start_server(dir: &Path) -> (Guard, u16) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools/authserver.py");
    let ready = dir.join("ready");
    let child = Command::new("python3")
        .arg(&script)
        .args(["serve", "--host", "127.0.0.1", "--port", "0", "--quiet"])
        .arg("--ready-file")
        .arg(&ready)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn authserver.py");
    let guard = Guard(child);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(15) {
        if let Some(port) = std::fs::read_to_string(&ready)
            .ok()
            .and_then(|s| s.trim().parse::<u16>().ok())
        {
            return (guard, port);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("authserver.py did not report its port within 15 s");
}

/// A running `authscope live`: its NDJSON lines and stderr lines arrive on
/// channels, read by threads as the child writes them.
struct Live {
    child: Guard,
    lines: Receiver<Value>,
    stderr: Receiver<String>,
}

fn start_live(port: u16, extra: &[&str]) -> Live {
    let filter = format!("tcp port {port}");
    let mut child = Command::new(bin())
        .args(["live", "-i", "lo", "-f", &filter, "--headless"])
        .args(["--format", "ndjson", "--duration", "20s"])
        .args(extra)
        .env("AUTHSCOPE_FP_SEED", "7")
        .env_remove("SUDO_USER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn authscope live");
    let out = child.stdout.take().expect("stdout");
    let err = child.stderr.take().expect("stderr");
    let (tx, lines) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let v: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            if tx.send(v).is_err() {
                break;
            }
        }
    });
    let (etx, stderr) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if etx.send(line).is_err() {
                break;
            }
        }
    });
    let live = Live {
        child: Guard(child),
        lines,
        stderr,
    };
    live.wait_capturing();
    live
}

impl Live {
    fn pid(&self) -> u32 {
        self.child.0.id()
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.0.try_wait(), Ok(None))
    }

    fn wait_capturing(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.stderr.recv_timeout(left) {
                Ok(l) if l.contains("capturing on lo") => return,
                Ok(l) => seen.push(l),
                Err(_) => break,
            }
        }
        panic!("no 'capturing on' line within 15 s; stderr: {seen:?}");
    }

    /// Reads lines until `done` holds over everything read so far, or `limit`
    /// passes. Every line must arrive while the child is still running.
    fn read_until(&mut self, limit: Duration, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + limit;
        let mut got = Vec::new();
        while !done(&got) {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                panic!("timed out; lines so far: {}", summarize(&got));
            };
            match self.lines.recv_timeout(left) {
                Ok(v) => {
                    assert!(
                        self.alive(),
                        "line seen after the capture ended: {v}; so far: {}",
                        summarize(&got)
                    );
                    got.push(v);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("output closed early; lines: {}", summarize(&got))
                }
            }
        }
        got
    }

    /// SIGINT, then the rest of the output and the exit status.
    fn interrupt(mut self) -> (Option<i32>, Vec<Value>) {
        let status = Command::new("kill")
            .args(["-INT", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -INT failed");
        let deadline = Instant::now() + Duration::from_secs(15);
        let code = loop {
            if let Ok(Some(s)) = self.child.0.try_wait() {
                break s.code();
            }
            assert!(Instant::now() < deadline, "no exit within 15 s of SIGINT");
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader thread ends at end of output; wait for it, bounded.
        let mut rest = Vec::new();
        while let Ok(v) = self.lines.recv_timeout(Duration::from_secs(5)) {
            rest.push(v);
        }
        (code, rest)
    }
}

fn summarize(lines: &[Value]) -> String {
    let parts: Vec<String> = lines
        .iter()
        .map(|v| match v["type"].as_str() {
            Some("exchange") => format!("exchange {} {}", v["target"], v["status"]),
            Some("finding") => format!("finding {}", v["code"]),
            other => format!("{other:?}"),
        })
        .collect();
    parts.join(", ")
}

/// One curl request; returns the HTTP status.
fn curl(port: u16, path: &str, user: Option<&str>) -> u16 {
    let url = format!("http://127.0.0.1:{port}{path}");
    let mut cmd = Command::new("curl");
    cmd.args([
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--max-time",
        "5",
    ]);
    if let Some(u) = user {
        cmd.args(["-u", u]);
    }
    let out = cmd.arg(&url).output().expect("run curl");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

fn exchanges<'a>(lines: &'a [Value], target: &'a str, status: u64) -> usize {
    lines
        .iter()
        .filter(|v| v["type"] == "exchange" && v["target"] == target && v["status"] == status)
        .count()
}

fn has_finding(lines: &[Value], code: &str) -> bool {
    lines
        .iter()
        .any(|v| v["type"] == "finding" && v["code"] == code)
}

#[test]
fn ndjson_shows_loop_and_rate_limit_while_capturing() {
    if let Some(why) = skip_reason() {
        eprintln!("SKIP: {why}");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (_server, port) = start_server(dir.path());
    let saved = dir.path().join("saved.pcapng");
    let saved_arg = saved.to_string_lossy().into_owned();
    let mut live = start_live(port, &["--write", &saved_arg]);
    let started = Instant::now();

    for _ in 0..6 {
        assert_eq!(curl(port, "/basic/", Some("alice:wrong-password")), 401);
    }
    assert_eq!(curl(port, "/basic/", Some("alice:correct-horse")), 200);
    let statuses: Vec<u16> = (0..6).map(|_| curl(port, "/limited/", None)).collect();
    assert!(
        statuses.contains(&429),
        "no 429 from /limited/: {statuses:?}"
    );
    let limited = statuses.iter().filter(|s| **s == 429).count();

    let got = live.read_until(Duration::from_secs(15), |l| {
        exchanges(l, "/basic/", 401) >= 6
            && exchanges(l, "/basic/", 200) >= 1
            && exchanges(l, "/limited/", 429) >= limited
            && has_finding(l, "auth-loop")
            && has_finding(l, "rate-limited")
    });
    let ok = got
        .iter()
        .find(|v| v["type"] == "exchange" && v["status"] == 200 && v["target"] == "/basic/")
        .expect("the successful login");
    assert_eq!(ok["credentials"]["user"], "alice", "{ok}");
    assert!(live.alive(), "the capture must still be running");

    let (code, rest) = live.interrupt();
    assert!(
        started.elapsed() < Duration::from_secs(19),
        "SIGINT did not end the capture before --duration"
    );
    assert_eq!(code, Some(0), "exit status after SIGINT");
    let last = rest.last().expect("a final line after SIGINT");
    assert_eq!(last["type"], "stats", "{last}");
    assert_eq!(last["final"], true, "{last}");
    let source = &last["sources"][0];
    assert_eq!(source["kind"], "live", "{last}");
    assert!(source["packets"].as_u64().unwrap_or(0) >= 40, "{last}");
    assert!(source["dropped"].is_u64(), "{last}");
    assert!(source["kernel_dropped"].is_u64(), "{last}");
    assert!(last["exchanges"].as_u64().unwrap_or(0) >= 13, "{last}");

    // `--write` kept the packets: the saved pcapng replays to the same exchanges.
    let out = Command::new(bin())
        .args(["report", "--format", "json"])
        .arg(&saved)
        .output()
        .expect("report on the saved capture");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(doc["sources"][0]["kind"], "pcapng", "{}", doc["sources"]);
    assert_eq!(doc["sources"][0]["packets"], source["packets"]);
    assert_eq!(doc["stats"]["exchanges"], last["exchanges"]);
}

/// The `Uid:`/`Gid:` lines of /proc/PID/status: real, effective, saved, fs.
fn ids(pid: u32, key: &str) -> Vec<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find(|l| l.starts_with(key))
        .map(|l| {
            l.split_whitespace()
                .skip(1)
                .filter_map(|n| n.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn nobody_ids() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let line = passwd.lines().find(|l| l.starts_with("nobody:"))?;
    let mut f = line.split(':').skip(2);
    Some((f.next()?.parse().ok()?, f.next()?.parse().ok()?))
}

#[test]
fn drops_to_nobody_and_keeps_capturing() {
    if !is_root() {
        eprintln!("SKIP: not root; -Z needs root to change user");
        return;
    }
    if let Some(why) = skip_reason() {
        eprintln!("SKIP: {why}");
        return;
    }
    let Some((uid, gid)) = nobody_ids() else {
        eprintln!("SKIP: no user nobody in /etc/passwd");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (_server, port) = start_server(dir.path());
    let mut live = start_live(port, &["-Z", "nobody"]);
    let pid = live.pid();
    assert_eq!(ids(pid, "Uid:"), vec![uid; 4], "uids after the drop");
    assert_eq!(ids(pid, "Gid:"), vec![gid; 4], "gids after the drop");

    assert_eq!(curl(port, "/basic/", Some("alice:correct-horse")), 200);
    let got = live.read_until(Duration::from_secs(15), |l| {
        exchanges(l, "/basic/", 200) >= 1
    });
    assert!(!got.is_empty());
    assert_eq!(
        ids(pid, "Uid:"),
        vec![uid; 4],
        "still nobody while capturing"
    );
    let (code, rest) = live.interrupt();
    assert_eq!(code, Some(0));
    assert!(rest.last().is_some_and(|v| v["final"] == true));
}
