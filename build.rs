// The migrations are embedded in the binary: rebuild when they change. The postcode lookups
// (data/geo) are embedded too, compressed here so the binary carries 0.3 MB, not 1.8 MB.
use std::io::Write;
use std::path::Path;

const COMPRESSED: [&str; 2] = ["postcode_ranges.csv", "postcode_lad_ranges.csv"];

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for name in COMPRESSED {
        let source = Path::new("data/geo").join(name);
        println!("cargo:rerun-if-changed={}", source.display());
        let raw = std::fs::read(&source).expect("data/geo holds the postcode lookups");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&raw).expect("compress in memory");
        let compressed = gz.finish().expect("compress in memory");
        std::fs::write(Path::new(&out).join(format!("{name}.gz")), compressed)
            .expect("write to OUT_DIR");
    }
}
