//! What `/proc` says about a process: CPU time and resident memory (Linux only).

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// CPU time `pid` used so far (user + system), in seconds.
pub fn cpu_seconds(pid: u32, clock_ticks_per_sec: f64) -> Result<f64, BoxError> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the parenthesised command name; utime and stime are the 14th
    // and 15th fields of the whole line, the 12th and 13th after the name.
    let after_name = stat.rsplit(')').next().ok_or("malformed /proc stat")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| -> Result<f64, BoxError> {
        Ok(fields.get(i).ok_or("short /proc stat")?.parse::<f64>()?)
    };
    Ok((ticks(11)? + ticks(12)?) / clock_ticks_per_sec)
}

/// Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`; 100 when
/// that is unavailable, the value on every common Linux).
pub fn clock_ticks_per_sec() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|v| *v > 0.0)
        .unwrap_or(100.0)
}

/// A memory line of `/proc/<pid>/status` (`VmHWM` peak, `VmRSS` now), in MiB.
pub fn memory_mib(pid: u32, field: &str) -> Result<f64, BoxError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .ok_or_else(|| format!("no {field} in /proc status"))?;
    Ok(kib / 1024.0)
}
