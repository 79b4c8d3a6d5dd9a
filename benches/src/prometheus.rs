//! Reading the server's `/metrics` (Prometheus text format) into the figures the
//! loadtest reports.
//!
//! Only what the report needs: samples are `name{labels} value` lines; comments and
//! `# TYPE`/`# HELP`/`# EOF` lines are skipped. A metric with several series (e.g. one
//! per transport) is summed for counters; histogram quantiles are estimated from the
//! buckets of every series added up, the way Prometheus' `histogram_quantile` does.

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

/// Parse every sample line; lines that do not parse are skipped.
pub fn parse(text: &str) -> Vec<Sample> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Sample> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (series, rest) = match line.find('{') {
        Some(_) => {
            let close = line.rfind('}')?;
            (line.get(..close + 1)?, line.get(close + 1..)?)
        }
        None => line.split_at(line.find(char::is_whitespace)?),
    };
    let value = rest.split_whitespace().next()?.parse::<f64>().ok()?;
    let (name, labels) = match series.find('{') {
        Some(open) => (
            series.get(..open)?,
            parse_labels(series.get(open + 1..series.len() - 1)?),
        ),
        None => (series, Vec::new()),
    };
    let valid_name = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    if !valid_name {
        return None;
    }
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

fn parse_labels(text: &str) -> Vec<(String, String)> {
    text.split(',')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        })
        .collect()
}

/// Sum of every series of `name` (`None` when absent).
pub fn sum(samples: &[Sample], name: &str) -> Option<f64> {
    let mut values = samples.iter().filter(|s| s.name == name).map(|s| s.value);
    let first = values.next()?;
    Some(values.fold(first, |a, b| a + b))
}

/// The `q` quantile (0..=1) of histogram `name`, from its `name_bucket` series summed
/// over every other label, interpolating linearly inside the bucket that holds the
/// rank (the lowest bucket from 0). `None` without observations. A rank in the
/// `+Inf` bucket answers the highest finite bound.
pub fn histogram_quantile(samples: &[Sample], name: &str, q: f64) -> Option<f64> {
    let bucket = format!("{name}_bucket");
    let mut buckets: Vec<(f64, f64)> = Vec::new();
    for s in samples.iter().filter(|s| s.name == bucket) {
        let Some(le) = s.labels.iter().find(|(k, _)| k == "le") else {
            continue;
        };
        let Ok(le) = le.1.replace("+Inf", "inf").parse::<f64>() else {
            continue;
        };
        match buckets.iter_mut().find(|(b, _)| *b == le) {
            Some((_, n)) => *n += s.value,
            None => buckets.push((le, s.value)),
        }
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q.clamp(0.0, 1.0) * total;
    let (mut lower, mut below) = (0.0, 0.0);
    for (le, count) in &buckets {
        if *count >= rank {
            if le.is_infinite() {
                return Some(lower);
            }
            let inside = (count - below).max(f64::MIN_POSITIVE);
            return Some(lower + (le - lower) * ((rank - below) / inside).clamp(0.0, 1.0));
        }
        (lower, below) = (*le, *count);
    }
    Some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# HELP tickcast_tick_duration_seconds Room tick time
# TYPE tickcast_tick_duration_seconds summary
tickcast_tick_duration_seconds{quantile="0.5"} 0.00025
tickcast_tick_duration_seconds{quantile="0.99"} 0.0011
tickcast_tick_duration_seconds{quantile="1"} 0.004
tickcast_tick_duration_seconds_sum 1.5
tickcast_tick_duration_seconds_count 6000
tickcast_ticks_skipped_total{room="a"} 2
tickcast_ticks_skipped_total{room="b"} 3
tickcast_sessions 8
"#;

    #[test]
    fn reads_labels_counters_and_gauges() {
        let s = parse(TEXT);
        let quantile = s
            .iter()
            .find(|s| s.labels == [("quantile".to_owned(), "0.99".to_owned())])
            .map(|s| s.value);
        assert_eq!(quantile, Some(0.0011));
        assert_eq!(
            sum(&s, "tickcast_tick_duration_seconds_count"),
            Some(6000.0)
        );
        assert_eq!(sum(&s, "tickcast_ticks_skipped_total"), Some(5.0));
        assert_eq!(sum(&s, "tickcast_sessions"), Some(8.0));
        assert_eq!(sum(&s, "tickcast_rooms"), None);
    }

    const HISTOGRAM: &str = r#"# TYPE tickcast_rtt_seconds histogram
tickcast_rtt_seconds_bucket{transport="ws",le="0.001"} 10
tickcast_rtt_seconds_bucket{transport="ws",le="0.002"} 20
tickcast_rtt_seconds_bucket{transport="ws",le="+Inf"} 20
tickcast_rtt_seconds_count{transport="ws"} 20
tickcast_rtt_seconds_bucket{transport="quic",le="0.001"} 0
tickcast_rtt_seconds_bucket{transport="quic",le="0.002"} 10
tickcast_rtt_seconds_bucket{transport="quic",le="+Inf"} 20
tickcast_rtt_seconds_count{transport="quic"} 20
# EOF
"#;

    #[test]
    fn histogram_quantiles_add_series_and_interpolate() {
        let s = parse(HISTOGRAM);
        let q = |q| histogram_quantile(&s, "tickcast_rtt_seconds", q).unwrap();
        // 40 observations: 10 <= 1 ms, 20 more <= 2 ms, 10 above.
        assert!((q(0.125) - 0.0005).abs() < 1e-12, "{}", q(0.125));
        assert!((q(0.5) - 0.0015).abs() < 1e-12, "{}", q(0.5));
        assert_eq!(q(0.99), 0.002);
        assert_eq!(sum(&s, "tickcast_rtt_seconds_count"), Some(40.0));
        assert_eq!(histogram_quantile(&s, "tickcast_nothing", 0.5), None);
    }

    #[test]
    fn garbage_lines_are_skipped() {
        let s = parse("x{ 1\n}y 2\nz notanumber\nok 3\n{}\n");
        assert_eq!(s.len(), 1);
        assert_eq!(s.first().map(|s| s.name.as_str()), Some("ok"));
    }
}
