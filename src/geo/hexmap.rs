//! Hex maps: one hexagon per constituency, laid out as a HexJSON file says (`odd-r`: pointy
//! hexagons in rows, odd rows shifted half a hexagon right, rows counted up the map). Each
//! hexagon's corners are worked out once, for SVG drawn by the pages.

use std::sync::LazyLock;

use serde::Deserialize;

/// A hexagon's circumradius, in the SVG's units.
const SIZE: f64 = 6.0;

/// One hexagon: the area's code and its corners as an SVG `points` attribute.
#[derive(Debug, Clone)]
pub struct Hex {
    pub code: String,
    pub points: String,
}

/// A whole map: its hexagons and the size of the box that holds them.
#[derive(Debug, Clone)]
pub struct HexMap {
    pub width: u32,
    pub height: u32,
    pub hexes: Vec<Hex>,
}

#[derive(Deserialize)]
struct HexJson {
    layout: String,
    hexes: std::collections::BTreeMap<String, Cell>,
}

#[derive(Deserialize)]
struct Cell {
    q: i32,
    r: i32,
}

impl HexMap {
    /// Lays a HexJSON file out; only `odd-r` is read, as both maps here use it.
    pub fn from_hexjson(text: &str) -> Result<Self, String> {
        let file: HexJson = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if file.layout != "odd-r" {
            return Err(format!("layout {:?} is not odd-r", file.layout));
        }
        let width = 3f64.sqrt() * SIZE;
        let centre = |cell: &Cell| {
            let shift = if cell.r.rem_euclid(2) == 1 { 0.5 } else { 0.0 };
            // Rows are counted up the map; SVG counts down.
            (
                (f64::from(cell.q) + shift) * width,
                -f64::from(cell.r) * 1.5 * SIZE,
            )
        };
        let centres: Vec<(f64, f64)> = file.hexes.values().map(centre).collect();
        let min_x = centres.iter().map(|c| c.0).fold(f64::INFINITY, f64::min) - width;
        let min_y = centres.iter().map(|c| c.1).fold(f64::INFINITY, f64::min) - SIZE;
        let max_x = centres
            .iter()
            .map(|c| c.0)
            .fold(f64::NEG_INFINITY, f64::max)
            + width;
        let max_y = centres
            .iter()
            .map(|c| c.1)
            .fold(f64::NEG_INFINITY, f64::max)
            + SIZE;
        let hexes = file
            .hexes
            .keys()
            .zip(&centres)
            .map(|(code, (x, y))| {
                let points: Vec<String> = (0..6)
                    .map(|corner| {
                        let angle =
                            std::f64::consts::PI / 180.0 * (60.0 * f64::from(corner) - 30.0);
                        format!(
                            "{:.1},{:.1}",
                            x - min_x + SIZE * angle.cos(),
                            y - min_y + SIZE * angle.sin()
                        )
                    })
                    .collect();
                Hex {
                    code: code.clone(),
                    points: points.join(" "),
                }
            })
            .collect();
        Ok(Self {
            width: (max_x - min_x).ceil() as u32,
            height: (max_y - min_y).ceil() as u32,
            hexes,
        })
    }
}

/// The 650 Westminster constituencies (2024 boundaries).
pub static WESTMINSTER: LazyLock<HexMap> = LazyLock::new(|| {
    HexMap::from_hexjson(super::UK_HEXES).expect("the built-in constituency map is valid")
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_constituency_has_a_hexagon_within_the_map() {
        let map = &*WESTMINSTER;
        assert_eq!(map.hexes.len(), 650);
        for hex in &map.hexes {
            for point in hex.points.split(' ') {
                let (x, y) = point.split_once(',').unwrap();
                let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
                assert!((0.0..=f64::from(map.width)).contains(&x), "{}", hex.code);
                assert!((0.0..=f64::from(map.height)).contains(&y), "{}", hex.code);
            }
        }
        // Scotland (Orkney and Shetland) is drawn above London (Holborn and St Pancras).
        let y_of = |code: &str| {
            let hex = map.hexes.iter().find(|h| h.code == code).unwrap();
            hex.points
                .split(' ')
                .next()
                .unwrap()
                .split_once(',')
                .unwrap()
                .1
                .parse::<f64>()
                .unwrap()
        };
        assert!(y_of("S14000051") < y_of("E14001290"));
    }
}
