//! The map of where people have signed, on a campaign's page: a hexagon per Westminster
//! constituency, shaded by its count, each with signatures a link to its row in the table
//! beside it (the same figures, for screen readers and keyboards).

use serde::Serialize;

use crate::areas::{AreaCounts, UNKNOWN};
use crate::domain::Lang;
use crate::geo::hexmap::WESTMINSTER;

/// How many shades the counts are drawn in (besides "none").
const SHADES: f64 = 5.0;

#[derive(Serialize)]
pub struct MapView {
    width: u32,
    height: u32,
    hexes: Vec<HexView>,
    /// Every constituency with a signature, most first.
    rows: Vec<AreaRow>,
    /// Signatures whose postcode places them in no constituency.
    unknown: u64,
}

#[derive(Serialize)]
struct HexView {
    code: &'static str,
    points: &'static str,
    /// 0 for none; 1 (fewest) to 5 (most).
    shade: u8,
    name: String,
    count: u64,
}

#[derive(Serialize)]
struct AreaRow {
    code: String,
    name: String,
    mp: Option<String>,
    count: u64,
}

/// A shade for `count` of at most `most`, on a logarithmic scale: one constituency with
/// thousands does not leave every other pale.
fn shade(count: u64, most: u64) -> u8 {
    if count == 0 {
        return 0;
    }
    if most <= 1 {
        return SHADES as u8;
    }
    let share = (count as f64).ln() / (most as f64).ln();
    1 + (share * (SHADES - 1.0)).round() as u8
}

/// The map, where at least one signature is placed in a constituency.
pub fn map_view(counts: &AreaCounts, lang: Lang) -> Option<MapView> {
    let welsh = lang == Lang::Cy;
    let placed: Vec<_> = counts.items.iter().filter(|i| i.code != UNKNOWN).collect();
    let most = placed.iter().map(|i| i.count).max()?;
    let hexes = WESTMINSTER
        .hexes
        .iter()
        .map(|hex| {
            let item = placed.iter().find(|i| i.code == hex.code);
            HexView {
                code: &hex.code,
                points: &hex.points,
                shade: shade(item.map_or(0, |i| i.count), most),
                name: item
                    .map(|i| i.name_in(welsh).to_owned())
                    .unwrap_or_default(),
                count: item.map_or(0, |i| i.count),
            }
        })
        .collect();
    Some(MapView {
        width: WESTMINSTER.width,
        height: WESTMINSTER.height,
        hexes,
        rows: placed
            .iter()
            .map(|i| AreaRow {
                code: i.code.clone(),
                name: i.name_in(welsh).to_owned(),
                mp: i.mp.as_ref().map(|mp| mp.name.clone()),
                count: i.count,
            })
            .collect(),
        unknown: counts
            .items
            .iter()
            .filter(|i| i.code == UNKNOWN)
            .map(|i| i.count)
            .sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_run_from_fewest_to_most() {
        assert_eq!(shade(0, 100), 0);
        assert_eq!(shade(1, 100), 1);
        assert_eq!(shade(10, 100), 3);
        assert_eq!(shade(100, 100), 5);
        assert_eq!(shade(1, 1), 5);
    }
}
