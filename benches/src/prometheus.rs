//! Reading the server's `/metrics` (Prometheus text format) into the figures the
//! loadtest reports.
//!
//! Only what the report needs: samples are `name{labels} value` lines; comments and
//! `# TYPE`/`# HELP` lines are skipped. A metric with several series (e.g. one per
//! room) is summed for counters and maxed for quantiles.

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

/// Largest value of `name` over series whose `label` is `value`.
pub fn max_with_label(samples: &[Sample], name: &str, label: &str, value: &str) -> Option<f64> {
    samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| s.labels.iter().any(|(k, v)| k == label && v == value))
        .map(|s| s.value)
        .filter(|v| v.is_finite())
        .reduce(f64::max)
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
    fn reads_quantiles_counters_and_gauges() {
        let s = parse(TEXT);
        let q = |v| max_with_label(&s, "tickcast_tick_duration_seconds", "quantile", v);
        assert_eq!(q("0.5"), Some(0.00025));
        assert_eq!(q("0.99"), Some(0.0011));
        assert_eq!(q("1"), Some(0.004));
        assert_eq!(
            sum(&s, "tickcast_tick_duration_seconds_count"),
            Some(6000.0)
        );
        assert_eq!(sum(&s, "tickcast_ticks_skipped_total"), Some(5.0));
        assert_eq!(sum(&s, "tickcast_sessions"), Some(8.0));
        assert_eq!(sum(&s, "tickcast_rooms"), None);
    }

    #[test]
    fn garbage_lines_are_skipped() {
        let s = parse("x{ 1\n}y 2\nz notanumber\nok 3\n{}\n");
        assert_eq!(s.len(), 1);
        assert_eq!(s.first().map(|s| s.name.as_str()), Some("ok"));
    }
}
