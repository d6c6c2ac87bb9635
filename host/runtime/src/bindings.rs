//! Host-side bindings of every WIT API version the host accepts.
//!
//! One module per frozen `wit/since_vX.Y.Z` folder. A new API version adds a
//! module here, linkers in `Linkers` (`lib.rs`) and an entry in [`SUPPORTED`]; the old
//! ones stay as long as the host accepts plugins built against them.

/// API versions this host accepts, oldest first.
pub const SUPPORTED: &[semver::Version] = &[semver::Version::new(0, 1, 0)];

/// API 0.1.0 (`wit/since_v0.1.0`).
pub mod v0_1_0 {
    /// The `identity` world; also generates the host interfaces it imports.
    pub mod identity {
        wasmtime::component::bindgen!({
            path: "../../wit/since_v0.1.0",
            world: "esculape:plugin/identity@0.1.0",
        });
    }

    /// The `document` world; shares the host interfaces of `identity`.
    pub mod document {
        wasmtime::component::bindgen!({
            path: "../../wit/since_v0.1.0",
            world: "esculape:plugin/document@0.1.0",
            with: {
                "esculape:host/types@0.1.0": super::identity::esculape::host::types,
                "esculape:host/log@0.1.0": super::identity::esculape::host::log,
                "esculape:host/clock@0.1.0": super::identity::esculape::host::clock,
                "esculape:host/terminology@0.1.0": super::identity::esculape::host::terminology,
            },
        });
    }

    pub use document::esculape::host::{pdf, record_read};
    pub use identity::esculape::host::{clock, log, terminology, types};
}

/// Pick the newest supported API version that a plugin's range accepts.
pub fn select(range: &semver::VersionReq) -> Option<&'static semver::Version> {
    SUPPORTED.iter().rev().find(|v| range.matches(v))
}
