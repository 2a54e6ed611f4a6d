//! The text a library reads from users: `damkit.toml` (parsed and validated) and `--set
//! FIELD=VALUE` edits. Neither may panic, whatever the bytes.
#![no_main]

use damkit::library::{Edit, LibraryConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = toml::from_str::<LibraryConfig>(text) {
        if config.validate(std::path::Path::new("damkit.toml")).is_ok() {
            // A valid config round-trips through its TOML form.
            let again: LibraryConfig = toml::from_str(&config.to_toml()).expect("round trip");
            assert_eq!(again, config);
        }
    }
    for line in text.lines() {
        let _ = line.parse::<Edit>();
    }
});
