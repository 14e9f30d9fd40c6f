//! A private tmux server for tests that drive the dashboard in a real
//! pseudo-terminal: its own socket, one session `main`, killed on drop.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How long a screen may take to show what a test waits for.
pub const DEADLINE: Duration = Duration::from_secs(30);
pub const POLL: Duration = Duration::from_millis(40);

/// One private tmux server; killed on drop.
pub struct Tmux {
    socket: String,
}

/// True when a `tmux` binary runs here.
pub fn available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

impl Tmux {
    /// A server on socket `authscope-NAME-PID` running `command` in a
    /// `width`×`height` session; `None` (with the reason printed) when tmux
    /// cannot start it.
    pub fn start(name: &str, command: &str, width: u16, height: u16) -> Option<Tmux> {
        let tmux = Tmux {
            socket: format!("authscope-{name}-{}", std::process::id()),
        };
        let (w, h) = (width.to_string(), height.to_string());
        let out = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            &w,
            "-y",
            &h,
            command,
        ])?;
        if !out.status.success() {
            eprintln!(
                "tmux new-session failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return None;
        }
        Some(tmux)
    }

    /// Runs one tmux command against this server.
    pub fn run(&self, args: &[&str]) -> Option<Output> {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .ok()
    }

    /// What a tmux command printed.
    pub fn stdout(&self, args: &[&str]) -> String {
        self.run(args)
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// The visible screen as text.
    pub fn screen(&self) -> String {
        self.stdout(&["capture-pane", "-p", "-t", "main"])
    }

    /// Sends keys (tmux key names).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// `1` while the program is on the alternate screen.
    pub fn alternate_on(&self) -> String {
        self.stdout(&["display-message", "-p", "-t", "main", "#{alternate_on}"])
            .trim()
            .to_string()
    }

    /// Polls the screen until `pred` holds; panics with the last screen at the deadline.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(POLL);
        }
    }

    /// Sends one key and waits until the screen changes.
    pub fn press(&self, key: &str, what: &str) -> String {
        let before = self.screen();
        self.keys(&[key]);
        self.wait_for(what, |s| s != before)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}
