//! Where in the UK a signature was made, by its postcode area: the split by nation that a
//! tally and a hand-in report. An area is the letters a postcode starts with (`CF`, `G`, `BT`);
//! the few that cross a border (SY, CH, HR, TD, DG, NP, LD) are counted in the nation where most
//! of their postcodes lie.

use serde::Serialize;

/// A nation of the UK, or where a signature is not from one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Nation {
    England,
    Scotland,
    Wales,
    NorthernIreland,
    /// Signed with a country other than the UK.
    OutsideUk,
    /// In the UK, with no postcode to place it (or one whose area is not known).
    Unknown,
}

/// Every key a split by nation has, in the order it is shown.
pub const NATIONS: [Nation; 6] = [
    Nation::England,
    Nation::Scotland,
    Nation::Wales,
    Nation::NorthernIreland,
    Nation::OutsideUk,
    Nation::Unknown,
];

/// Postcode areas in Scotland.
const SCOTLAND: [&str; 16] = [
    "AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD", "ZE",
];

/// Postcode areas in Wales.
const WALES: [&str; 5] = ["CF", "LD", "LL", "NP", "SA"];

/// England's areas, for telling a real area from a made-up one.
const ENGLAND: [&str; 99] = [
    "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "CA", "CB", "CH", "CM", "CO", "CR",
    "CT", "CV", "CW", "DA", "DE", "DH", "DL", "DN", "DT", "DY", "E", "EC", "EN", "EX", "FY", "GL",
    "GU", "HA", "HD", "HG", "HP", "HR", "HU", "HX", "IG", "IP", "KT", "L", "LA", "LE", "LN", "LS",
    "LU", "M", "ME", "MK", "N", "NE", "NG", "NN", "NR", "NW", "OL", "OX", "PE", "PL", "PO", "PR",
    "RG", "RH", "RM", "S", "SE", "SG", "SK", "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW",
    "SY", "TA", "TF", "TN", "TQ", "TR", "TS", "TW", "UB", "W", "WA", "WC", "WD", "WF", "WN", "WR",
    "WS", "WV", "YO",
];

impl Nation {
    /// The nation of a signature from `country` (ISO 3166-1 alpha-2) with the postcode area
    /// `area`, if it gave a postcode, or the kind of code of its constituency (`W07`), if its
    /// postcode placed it in one.
    pub fn of(country: &str, area: Option<&str>) -> Self {
        if country != "GB" {
            return Nation::OutsideUk;
        }
        match area {
            // A constituency's code says its nation exactly.
            Some("E14") => Nation::England,
            Some("S14") => Nation::Scotland,
            Some("W07") => Nation::Wales,
            Some("N05") => Nation::NorthernIreland,
            Some("BT") => Nation::NorthernIreland,
            Some(area) if SCOTLAND.contains(&area) => Nation::Scotland,
            Some(area) if WALES.contains(&area) => Nation::Wales,
            Some(area) if ENGLAND.contains(&area) => Nation::England,
            _ => Nation::Unknown,
        }
    }

    /// Its key in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Nation::England => "england",
            Nation::Scotland => "scotland",
            Nation::Wales => "wales",
            Nation::NorthernIreland => "northern_ireland",
            Nation::OutsideUk => "outside_uk",
            Nation::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postcode_area_places_a_signature_in_its_nation() {
        assert_eq!(Nation::of("GB", Some("CF")), Nation::Wales);
        assert_eq!(Nation::of("GB", Some("G")), Nation::Scotland);
        assert_eq!(Nation::of("GB", Some("BT")), Nation::NorthernIreland);
        assert_eq!(Nation::of("GB", Some("SW")), Nation::England);
        assert_eq!(Nation::of("GB", Some("QQ")), Nation::Unknown);
        assert_eq!(Nation::of("GB", None), Nation::Unknown);
        assert_eq!(Nation::of("IE", Some("CF")), Nation::OutsideUk);
        // SY crosses the border; the constituency does not.
        assert_eq!(Nation::of("GB", Some("W07")), Nation::Wales);
        assert_eq!(Nation::of("GB", Some("E14")), Nation::England);
    }
}
