//! INS rules plugin (identity world).
//!
//! Implements the RNIV and INS referential rules that do not need the
//! network: trait normalisation, matricule key checks, the identity status
//! that follows from how the identity was checked, the trait-by-trait
//! comparison with an INSi answer and when a verification is due.

use esculape_sdk::identity::esculape::host::types::{
    Date, Error, IdentityAttributes, IdentityStatus, IdentityTraits, Ins, Sex,
};
use esculape_sdk::identity::exports::esculape::plugin::identity_rules::{
    Comparison, Guest, MatriculeCheck, TraitComparison,
};

pub mod matricule;
pub mod traits;

pub struct InsRules;

impl Guest for InsRules {
    fn normalize_traits(t: IdentityTraits) -> Result<IdentityTraits, Error> {
        traits::normalize(t)
    }

    fn check_matricule(m: String) -> Result<MatriculeCheck, Error> {
        matricule::check(&m)
    }

    fn compute_status(
        high_trust_document: bool,
        from_insi: bool,
        attributes: IdentityAttributes,
    ) -> IdentityStatus {
        // RNIV: a doubtful or fictitious identity stays provisional, whatever
        // was checked.
        if attributes.intersects(IdentityAttributes::DOUTEUSE | IdentityAttributes::FICTIVE) {
            return IdentityStatus::Provisoire;
        }
        match (high_trust_document, from_insi) {
            (true, true) => IdentityStatus::Qualifiee,
            (false, true) => IdentityStatus::Recuperee,
            (true, false) => IdentityStatus::Validee,
            (false, false) => IdentityStatus::Provisoire,
        }
    }

    fn compare(
        local: IdentityTraits,
        local_ins: Option<Ins>,
        insi: IdentityTraits,
        insi_ins: Ins,
    ) -> Result<Comparison, Error> {
        let local = traits::normalize(local)?;
        let insi = traits::normalize(insi)?;
        let mut rows = Vec::new();
        let mut push = |name: &str, l: String, r: String| {
            let matches = l == r;
            rows.push(TraitComparison {
                name: name.into(),
                local_value: l,
                insi_value: r,
                matches,
            });
            matches
        };
        let matricule_ok = match &local_ins {
            Some(ins) => push(
                "matricule",
                ins.matricule.clone(),
                insi_ins.matricule.clone(),
            ),
            None => true,
        };
        let birth_name = push(
            "birth-name",
            local.birth_name.clone(),
            insi.birth_name.clone(),
        );
        let first = push(
            "first-birth-first-name",
            local.birth_first_names.first().cloned().unwrap_or_default(),
            insi.birth_first_names.first().cloned().unwrap_or_default(),
        );
        push(
            "birth-first-names",
            local.birth_first_names.join(" "),
            insi.birth_first_names.join(" "),
        );
        let sex = push("sex", sex_code(local.sex).into(), sex_code(insi.sex).into());
        let birth_date = push(
            "birth-date",
            fmt_date(&local.birth_date),
            fmt_date(&insi.birth_date),
        );
        push(
            "birth-place-cog",
            local.birth_place_cog.clone().unwrap_or_default(),
            insi.birth_place_cog.clone().unwrap_or_default(),
        );
        let key_ok = matricule::check(&insi_ins.matricule)
            .map(|c| c.well_formed && c.key_valid)
            .unwrap_or(false);
        Ok(Comparison {
            traits: rows,
            automatic_recovery: key_ok && matricule_ok && birth_name && first && sex && birth_date,
        })
    }

    fn verification_due(
        status: IdentityStatus,
        ins: Option<Ins>,
        last_checked: Option<Date>,
        today: Date,
    ) -> bool {
        let Some(ins) = ins else { return false };
        // A NIA is temporary: check it at each new event.
        if matricule::is_nia_oid(&ins.oid) {
            return true;
        }
        match status {
            IdentityStatus::Recuperee | IdentityStatus::Qualifiee => match last_checked {
                None => true,
                Some(d) => {
                    let due = Date {
                        year: d.year + 4,
                        ..d
                    };
                    (today.year, today.month, today.day) >= (due.year, due.month, due.day)
                }
            },
            IdentityStatus::Provisoire | IdentityStatus::Validee => false,
        }
    }
}

fn sex_code(s: Sex) -> &'static str {
    match s {
        Sex::Female => "F",
        Sex::Male => "M",
        Sex::Unknown => "U",
    }
}

fn fmt_date(d: &Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

#[cfg(target_arch = "wasm32")]
esculape_sdk::identity::export_identity!(InsRules);
