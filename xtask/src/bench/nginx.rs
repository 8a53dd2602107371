//! The target: Debian's nginx with one worker process (no master, so the
//! process the harness starts is the one that serves and its CPU is read
//! from one pid), access log off, keep-alive without a request cap, a
//! 13-byte body at `/` and a 25 MB file at `/files/big.bin`, pinned to core 1.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::runner;

/// The size of the download scenario's file.
pub const BIG_FILE_BYTES: u64 = 25_000_000;

/// A running nginx, stopped (by pid) when dropped.
pub struct Nginx {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Nginx {
    /// The pid of the serving process.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes the config and files under `dir`, starts nginx pinned to
    /// `core` and waits until it accepts connections.
    pub fn start(nginx: &Path, dir: &Path, port: u16, core: u32) -> Result<Nginx> {
        for sub in ["logs", "tmp", "www"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
        let big = dir.join("www/big.bin");
        if std::fs::metadata(&big).map(|m| m.len()).ok() != Some(BIG_FILE_BYTES) {
            std::fs::write(&big, vec![b'x'; BIG_FILE_BYTES as usize])?;
        }
        let config = dir.join("nginx.conf");
        std::fs::write(&config, config_text(dir, port))?;
        let log = std::fs::File::create(dir.join("logs/stderr.log"))?;
        let child = Command::new("taskset")
            .arg("-c")
            .arg(core.to_string())
            .arg(nginx)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting nginx")?;
        let mut me = Nginx { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline || matches!(me.child.try_wait(), Ok(Some(_))) {
                let log = std::fs::read_to_string(dir.join("logs/stderr.log")).unwrap_or_default();
                let errors =
                    std::fs::read_to_string(dir.join("logs/error.log")).unwrap_or_default();
                runner::stop(&mut me.child);
                bail!("nginx did not start on 127.0.0.1:{port}: {log}{errors}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(me)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        runner::stop(&mut self.child);
    }
}

/// The config file (also shown in BENCHMARKS.md).
pub fn config_text(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        r#"daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/logs/error.log warn;
worker_rlimit_nofile 65536;
events {{ worker_connections 30000; multi_accept on; }}
http {{
  access_log off;
  keepalive_requests 1000000000;
  keepalive_timeout 300s;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path {d}/tmp/body;
  proxy_temp_path {d}/tmp/proxy;
  fastcgi_temp_path {d}/tmp/fastcgi;
  uwsgi_temp_path {d}/tmp/uwsgi;
  scgi_temp_path {d}/tmp/scgi;
  server {{
    listen 127.0.0.1:{port} backlog=65535;
    location = / {{ default_type text/plain; return 200 "Hello, world!"; }}
    location /files/ {{ alias {d}/www/; }}
  }}
}}
"#
    )
}

/// A free port on 127.0.0.1 (bound then released).
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
