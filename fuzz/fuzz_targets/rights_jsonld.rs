//! The ODRL JSON-LD reader never panics; a policy it reads, written back as JSON-LD, reads
//! back to the same rules (parse → write → parse).
#![no_main]

use damkit_rights::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(p) = Policy::from_jsonld(data, "fuzz") else { return };
    let written = serde_json::to_vec(&p.to_jsonld()).expect("serialises");
    let back = Policy::from_jsonld(&written, "written").expect("our own output reads back");
    assert_eq!(back.permissions.len(), p.permissions.len());
    assert_eq!(back.prohibitions.len(), p.prohibitions.len());
    assert_eq!(back.obligations.len(), p.obligations.len());
});
