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

impl Nation {
    /// One of the UK's four nations, by its key (`wales`).
    pub fn parse_uk(raw: &str) -> Result<Self, String> {
        [
            Nation::England,
            Nation::Scotland,
            Nation::Wales,
            Nation::NorthernIreland,
        ]
        .into_iter()
        .find(|n| n.key() == raw)
        .ok_or_else(|| "must be one of: england, scotland, wales, northern_ireland".to_owned())
    }

    /// How the codes of its Westminster constituencies begin (`W07`).
    pub fn constituency_prefix(self) -> Option<&'static str> {
        match self {
            Nation::England => Some("E14"),
            Nation::Scotland => Some("S14"),
            Nation::Wales => Some("W07"),
            Nation::NorthernIreland => Some("N05"),
            Nation::OutsideUk | Nation::Unknown => None,
        }
    }
}

/// The ONS (GSS) code of an area, as constituencies and councils are named: a letter and
/// eight digits (`E14001290`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaCode(String);

impl AreaCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.to_ascii_uppercase();
        let bytes = code.as_bytes();
        if bytes.len() == 9
            && matches!(bytes[0], b'E' | b'S' | b'W' | b'N')
            && bytes[1..].iter().all(u8::is_ascii_digit)
        {
            Ok(Self(code))
        } else {
            Err("must be an ONS area code, a letter and eight digits such as E14001290".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
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

    #[test]
    fn area_codes_are_a_letter_and_eight_digits() {
        assert_eq!(AreaCode::parse("e14001290").unwrap().as_str(), "E14001290");
        for bad in [
            "",
            " E14001290",
            "E1400129",
            "X14001290",
            "E14OO1290",
            "E140012901",
        ] {
            assert!(AreaCode::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Nation::parse_uk("wales"), Ok(Nation::Wales));
        assert!(Nation::parse_uk("outside_uk").is_err());
    }
}
