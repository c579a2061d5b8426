//! A postcode lookup kept as runs: every postcode in Great Britain, sorted, cut into runs of
//! consecutive postcodes of one sector (`SW1A 1AA` without its last two letters) that share
//! an answer. A postcode's answer is its run's: the last run starting at or before it, taken
//! only where that run is in the postcode's own sector, so a made-up postcode in a sector
//! that does not exist is unknown rather than its neighbour's.

/// A canonical postcode (`SW1A 1AA`, at most 8 bytes), padded with zero bytes: comparing
/// keys compares the postcodes as strings.
type Key = [u8; 8];

/// The answer of a run that has none (postcodes with no known position).
const NO_ANSWER: u16 = u16::MAX;

fn key(postcode: &str) -> Option<Key> {
    let bytes = postcode.as_bytes();
    let mut key = [0u8; 8];
    key.get_mut(..bytes.len())?.copy_from_slice(bytes);
    Some(key)
}

/// The sector of a key: all but its last two letters.
fn sector(key: &Key) -> &[u8] {
    let len = key.iter().position(|b| *b == 0).unwrap_or(key.len());
    &key[..len.saturating_sub(2)]
}

/// What the runs say of one postcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// Its sector is not in the table: a made-up postcode, or one newer than the table.
    NotListed,
    /// A listed postcode whose answer is at this index (of the table the runs were built
    /// against), or none.
    Listed(Option<u16>),
}

#[derive(Default)]
pub struct Ranges {
    starts: Vec<Key>,
    answers: Vec<u16>,
}

impl Ranges {
    /// Looks a canonical postcode up: a binary search, no allocation.
    pub fn find(&self, postcode: &str) -> Found {
        let Some(wanted) = key(postcode) else {
            return Found::NotListed;
        };
        let after = self.starts.partition_point(|start| *start <= wanted);
        let Some(run) = after.checked_sub(1) else {
            return Found::NotListed;
        };
        if sector(&self.starts[run]) != sector(&wanted) {
            return Found::NotListed;
        }
        let answer = self.answers[run];
        Found::Listed((answer != NO_ANSWER).then_some(answer))
    }

    /// Each run's first postcode and answer, in order: the table as `first_postcode,code`
    /// rows are written.
    pub fn each(&self) -> impl Iterator<Item = (&str, Option<u16>)> {
        self.starts
            .iter()
            .zip(&self.answers)
            .map(|(start, answer)| {
                let len = start.iter().position(|b| *b == 0).unwrap_or(start.len());
                let postcode = std::str::from_utf8(&start[..len]).unwrap_or_default();
                (postcode, (*answer != NO_ANSWER).then_some(*answer))
            })
    }
}

/// Builds runs from postcodes in ascending order, each with its answer's index or none.
#[derive(Default)]
pub struct RangesBuilder {
    ranges: Ranges,
}

impl RangesBuilder {
    /// Adds a postcode; consecutive postcodes of one sector with one answer make one run.
    /// Postcodes must come in ascending order, each at most 8 bytes.
    pub fn push(&mut self, postcode: &str, answer: Option<u16>) -> Result<(), String> {
        let key = key(postcode).ok_or_else(|| format!("{postcode:?} is not a postcode"))?;
        let answer = answer.unwrap_or(NO_ANSWER);
        let ranges = &mut self.ranges;
        if let (Some(last), Some(last_answer)) = (ranges.starts.last(), ranges.answers.last()) {
            if key <= *last {
                return Err(format!(
                    "{postcode} comes after {}: postcodes must be in order",
                    String::from_utf8_lossy(sector(last))
                ));
            }
            if sector(last) == sector(&key) && *last_answer == answer {
                return Ok(());
            }
        }
        ranges.starts.push(key);
        ranges.answers.push(answer);
        Ok(())
    }

    pub fn finish(self) -> Ranges {
        self.ranges
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Ranges {
        let mut b = RangesBuilder::default();
        for (postcode, answer) in [
            ("AB10 1AB", Some(1)),
            ("AB10 1AD", Some(1)),
            ("AB10 1PE", Some(2)),
            ("AB10 6AA", None),
            ("B1 1AA", Some(3)),
        ] {
            b.push(postcode, answer).unwrap();
        }
        b.finish()
    }

    #[test]
    fn a_postcode_takes_its_runs_answer_within_its_sector() {
        let t = table();
        assert_eq!(t.starts.len(), 4, "AB10 1AD joins AB10 1AB's run");
        assert_eq!(t.find("AB10 1AB"), Found::Listed(Some(1)));
        assert_eq!(t.find("AB10 1ZZ"), Found::Listed(Some(2)));
        assert_eq!(t.find("AB10 6XY"), Found::Listed(None));
        assert_eq!(t.find("B1 1ZZ"), Found::Listed(Some(3)));
    }

    #[test]
    fn a_sector_not_listed_is_not_its_neighbours() {
        let t = table();
        assert_eq!(t.find("AB10 7AA"), Found::NotListed);
        assert_eq!(t.find("AA1 1AA"), Found::NotListed);
        assert_eq!(t.find("B2 1AA"), Found::NotListed);
        assert_eq!(t.find("TOOLONG1 1AA"), Found::NotListed);
    }

    #[test]
    fn postcodes_out_of_order_are_refused() {
        let mut b = RangesBuilder::default();
        b.push("B1 1AA", Some(1)).unwrap();
        assert!(b.push("AB10 1AA", Some(1)).is_err());
    }
}
