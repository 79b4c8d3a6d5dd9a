//! tickcast-server: the binary. Parses config, starts tracing, binds, runs until
//! ctrl-c / SIGTERM.

fn main() {
    println!("tickcast-server: not yet");
}
