//! tickcast-client binary.

fn main() {}
