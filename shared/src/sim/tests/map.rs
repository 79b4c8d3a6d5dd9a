use crate::sim::map::{DEFAULT_MAP, Map, MapError};
use glam::Vec2;

fn error(text: &str) -> MapError {
    match Map::parse(text) {
        Ok(map) => panic!("expected an error, parsed {map:?}"),
        Err(e) => e,
    }
}

#[test]
fn default_map_parses_and_default_map_uses_it() {
    let map = Map::parse(DEFAULT_MAP).unwrap();
    assert_eq!(map.name, "arena");
    assert_eq!(map.size, Vec2::new(2000.0, 1200.0));
    assert_eq!(map.spawns.len(), 6);
    assert_eq!(map.walls.len(), 5);
    assert_eq!(Map::default_map(), map);
}

#[test]
fn happy_path_with_comments_blank_lines_and_any_order() {
    let text = "\
# a comment
spawn 10 20   # before size is fine

wall 100 200 30 40
size 500 400
name small-map_2
spawn 500 400
";
    let map = Map::parse(text).unwrap();
    assert_eq!(map.name, "small-map_2");
    assert_eq!(map.size, Vec2::new(500.0, 400.0));
    assert_eq!(
        map.spawns,
        vec![Vec2::new(10.0, 20.0), Vec2::new(500.0, 400.0)]
    );
    assert_eq!(map.walls.len(), 1);
    assert_eq!(map.walls[0].min, Vec2::new(100.0, 200.0));
    assert_eq!(map.walls[0].max, Vec2::new(130.0, 240.0));
}

#[test]
fn name_defaults_to_arena() {
    assert_eq!(Map::parse("size 10 10\nspawn 1 1").unwrap().name, "arena");
}

#[test]
fn unknown_directive_names_its_line() {
    let e = error("size 100 100\nspawn 1 1\n\nportal 3 4\n");
    assert_eq!(e.line, 4);
    assert!(e.message.contains("portal"), "{e}");
    assert_eq!(e.to_string(), format!("map line 4: {}", e.message));
}

#[test]
fn wrong_argument_count_names_its_line() {
    assert_eq!(error("size 100\nspawn 1 1").line, 1);
    assert_eq!(error("size 100 100\nspawn 1 1 1").line, 2);
    let e = error("size 100 100\nspawn 1 1\nwall 1 2 3");
    assert_eq!(e.line, 3);
    assert!(e.message.contains("4 arguments"), "{e}");
    assert_eq!(error("name\nsize 100 100\nspawn 1 1").line, 1);
    assert_eq!(error("size 100 100\nname a b\nspawn 1 1").line, 2);
}

#[test]
fn bad_number_names_its_line() {
    let e = error("size 100 100\nspawn 1 abc\n");
    assert_eq!(e.line, 2);
    assert!(e.message.contains("abc"), "{e}");
    assert_eq!(error("size 100 NaN\nspawn 1 1").line, 1);
    assert_eq!(error("size 100 100\nspawn 1 1\nwall 1 1 inf 2").line, 3);
}

#[test]
fn non_positive_sizes_name_their_line() {
    assert_eq!(error("size 0 100\nspawn 0 0").line, 1);
    assert_eq!(error("# c\nsize 100 -5\nspawn 0 0").line, 2);
    assert_eq!(error("size 100 100\nspawn 1 1\nwall 1 1 0 5").line, 3);
    assert_eq!(error("size 100000 100\nspawn 1 1").line, 1);
}

#[test]
fn duplicate_size_and_bad_name_name_their_line() {
    assert_eq!(error("size 100 100\nspawn 1 1\nsize 50 50").line, 3);
    assert_eq!(error("size 100 100\nname ../etc\nspawn 1 1").line, 2);
}

#[test]
fn things_outside_the_arena_name_their_line() {
    let e = error("size 100 100\nspawn 1 1\nspawn 101 50\n");
    assert_eq!(e.line, 3);
    assert!(e.message.contains("outside"), "{e}");
    // The size may come after the wall: the wall's own line is still named.
    let e = error("wall 90 10 20 20\nspawn 1 1\nsize 100 100\n");
    assert_eq!(e.line, 1);
    assert_eq!(error("size 100 100\nspawn 1 1\nwall -1 0 5 5").line, 3);
}

#[test]
fn missing_size_or_spawn_names_the_end_of_file() {
    let e = error("name x\nspawn 1 1\n");
    assert_eq!(e.line, 3);
    assert!(e.message.contains("size"), "{e}");
    let e = error("size 10 10\n# no spawn\n");
    assert_eq!(e.line, 3);
    assert!(e.message.contains("spawn"), "{e}");
    assert_eq!(error("").line, 1);
}
