//! The DMP (Mon espace santé) web services as the host speaks them
//! (DSR §3.2.3; the published integration package is in
//! `../shared/testdata/dmp/`). No network here: the messages, their
//! signature and the reading of the answers; the host sends them over
//! mutual TLS.
//!
//! - [`c14n`], [`signature`]: exclusive canonicalization and enveloped
//!   XML-DSig, for the VIHF (and the XAdES document of a submission).
//! - [`vihf`]: the SAML assertion that says who acts, for whom, how.
//! - [`acces`]: the authentication modes and which transaction each may
//!   call (PDT-INF-526), and the choices the unavailable DMPi guide
//!   would fix, kept in one place ([`acces::HYPOTHESES`]).
//! - [`soap`]: SOAP 1.2 envelopes with WS-Addressing and the VIHF.
//! - [`td02`], [`td31`], [`td21`]: existence and authorisation test;
//!   metadata search (ITI-18); a submission with its XAdES signature
//!   document (ITI-41, MTOM/XOP, [`xades`]); [`td33`]: delete or archive
//!   (ITI-57); [`td32`]: a document retrieved (ITI-43).

pub mod acces;
pub mod c14n;
pub mod signature;
pub mod soap;
pub mod td02;
pub mod td21;
pub mod td31;
pub mod td32;
pub mod td33;
pub mod vihf;
pub mod xades;

/// A new UUID (version 4), for message ids.
pub fn uuid() -> String {
    let mut o = [0u8; 16];
    // fails only without any system randomness; the id then still
    // differs by the time
    if getrandom::fill(&mut o).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        o = t.to_le_bytes();
    }
    esculape_identifiants::uuid_v4(o)
}
