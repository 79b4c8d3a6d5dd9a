//! What the load tools of `tickcast-benches` share: reading a process's CPU time and
//! memory from `/proc` ([`procfs`]), starting the real server as a child process on
//! loopback ([`server_process`]), reading its `/metrics` ([`prometheus`]) and one
//! lean SSE viewer ([`sse_viewer`]). The tools themselves are the binaries:
//! `loadtest` (players), `spectate-load` (spectators), `replay-seek` (replay seeks)
//! and `socket-floor` (the kernel's share of a delivered frame).

pub mod procfs;
pub mod prometheus;
pub mod server_process;
pub mod sse_viewer;
