//! loadtest: starts tickcast-server as a child process, runs bots, prints one JSON line.

fn main() {}
