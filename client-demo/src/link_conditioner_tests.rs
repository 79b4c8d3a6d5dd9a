use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn presets_and_pairs_parse() {
    assert_eq!("good".parse(), Ok(LinkSpec::GOOD));
    assert_eq!("Average".parse(), Ok(LinkSpec::AVERAGE));
    assert_eq!("poor".parse(), Ok(LinkSpec::POOR));
    assert_eq!(LinkSpec::AVERAGE.latency, ms(170));
    assert_eq!(LinkSpec::POOR.jitter, ms(84));
    let spec: LinkSpec = "latency=170ms,jitter=45ms,loss=2%".parse().unwrap();
    assert_eq!(spec, LinkSpec::AVERAGE);
    let spec: LinkSpec = "loss=0.5, latency=0.1s".parse().unwrap();
    assert_eq!(
        (spec.latency, spec.jitter, spec.loss),
        (ms(100), ms(0), 0.5)
    );
    assert_eq!(spec.to_string(), "latency=100ms,jitter=0ms,loss=50%");
    for bad in ["latency", "lag=3ms", "loss=120%", "loss=-1", "latency=fast"] {
        assert!(bad.parse::<LinkSpec>().is_err(), "{bad}");
    }
}

#[test]
fn unreliable_messages_are_delayed_within_the_jitter_and_lost_at_the_rate() {
    let now = Instant::now();
    let mut c = Conditioner::new(LinkSpec::AVERAGE, 7);
    let n = 20_000;
    let mut arrived = 0u32;
    for _ in 0..n {
        if let Some(at) = c.schedule(now, Delivery::Unreliable) {
            arrived += 1;
            let delay = at - now;
            assert!(delay >= ms(125) && delay <= ms(215), "{delay:?}");
        }
    }
    let lost = f64::from(n - arrived) / f64::from(n);
    assert!((0.015..0.025).contains(&lost), "loss rate {lost}");
    assert_eq!(c.lost(), u64::from(n - arrived));
    assert_eq!(c.retransmitted(), 0);
}

#[test]
fn reliable_messages_are_never_lost_and_stay_in_order_behind_a_retransmission() {
    let start = Instant::now();
    let spec = LinkSpec {
        loss: 0.05,
        ..LinkSpec::AVERAGE
    };
    let mut c = Conditioner::new(spec, 3);
    let mut last = start;
    let mut worst = Duration::ZERO;
    for i in 0..5_000u64 {
        let now = start + ms(i * 16);
        let at = c.schedule(now, Delivery::Reliable).expect("reliable");
        assert!(at >= last, "message {i} overtook the one before");
        assert!(at - now >= ms(125));
        worst = worst.max(at - now);
        last = at;
    }
    assert!(c.retransmitted() > 100, "{}", c.retransmitted());
    assert_eq!(c.lost(), 0);
    // A retransmission costs a round trip plus a jitter margin: 340 + 90 ms here.
    assert_eq!(c.retransmit_delay(), ms(430));
    assert!(worst >= ms(430 + 125), "{worst:?}");
}

#[test]
fn retransmission_is_at_least_the_minimum_rto() {
    let c = Conditioner::new("latency=1ms,loss=10%".parse().unwrap(), 1);
    assert_eq!(c.retransmit_delay(), MIN_RETRANSMIT);
}

#[test]
fn the_same_seed_gives_the_same_link() {
    let now = Instant::now();
    let run = |seed| {
        let mut c = Conditioner::new(LinkSpec::POOR, seed);
        (0..200)
            .map(|_| c.schedule(now, Delivery::Unreliable))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(11), run(11));
    assert_ne!(run(11), run(12));
}

#[test]
fn a_perfect_link_delivers_at_once() {
    let now = Instant::now();
    let mut c = Conditioner::new("latency=0ms".parse().unwrap(), 1);
    assert_eq!(c.schedule(now, Delivery::Unreliable), Some(now));
    assert_eq!(c.schedule(now, Delivery::Reliable), Some(now));
}

#[test]
fn the_delay_queue_releases_in_arrival_order_and_is_bounded() {
    let t0 = Instant::now();
    let mut q = DelayQueue::new(3);
    q.push(t0 + ms(30), "c").unwrap();
    q.push(t0 + ms(10), "a").unwrap();
    q.push(t0 + ms(10), "b").unwrap();
    assert_eq!(q.push(t0, "d"), Err("d"));
    assert!(q.is_full());
    assert_eq!(q.next_at(), Some(t0 + ms(10)));
    assert_eq!(q.pop_due(t0 + ms(9)), None);
    assert_eq!(q.pop_due(t0 + ms(10)), Some("a"));
    assert_eq!(q.pop_due(t0 + ms(10)), Some("b"));
    assert_eq!(q.pop_due(t0 + ms(29)), None);
    assert_eq!(q.pop_due(t0 + ms(40)), Some("c"));
    assert!(q.is_empty());
    assert_eq!(q.len(), 0);
}
