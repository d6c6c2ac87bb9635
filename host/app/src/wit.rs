//! The record's types as the plugins' WIT interfaces carry them.

use esculape_domain::Identity;
use esculape_runtime::model as t;

pub fn traits(i: &Identity) -> t::IdentityTraits {
    t::IdentityTraits {
        birth_name: i.birth_name.clone(),
        used_name: i.used_name.clone(),
        birth_first_names: i.birth_first_names.clone(),
        used_first_name: i.used_first_name.clone(),
        sex: sex(i.sex.code()),
        birth_date: t::Date {
            year: i.birth_date.year,
            month: i.birth_date.month,
            day: i.birth_date.day,
        },
        birth_place_cog: i.birth_place_cog.clone(),
    }
}

pub fn sex(code: &str) -> t::Sex {
    match code {
        "F" => t::Sex::Female,
        "M" => t::Sex::Male,
        _ => t::Sex::Unknown,
    }
}

pub fn ins(i: &Identity) -> Option<t::Ins> {
    i.ins.as_ref().map(|ins| t::Ins {
        matricule: ins.matricule.clone(),
        oid: ins.oid.oid().to_string(),
    })
}

pub fn status(i: &Identity) -> t::IdentityStatus {
    status_of(i.status)
}

pub fn status_of(s: esculape_domain::IdentityStatus) -> t::IdentityStatus {
    use esculape_domain::IdentityStatus as S;
    match s {
        S::Provisoire => t::IdentityStatus::Provisoire,
        S::Recuperee => t::IdentityStatus::Recuperee,
        S::Validee => t::IdentityStatus::Validee,
        S::Qualifiee => t::IdentityStatus::Qualifiee,
    }
}

pub fn attributes(i: &Identity) -> t::IdentityAttributes {
    let mut a = t::IdentityAttributes::empty();
    if i.attributes.homonyme {
        a |= t::IdentityAttributes::HOMONYME;
    }
    if i.attributes.douteuse {
        a |= t::IdentityAttributes::DOUTEUSE;
    }
    if i.attributes.fictive {
        a |= t::IdentityAttributes::FICTIVE;
    }
    a
}

pub fn date(d: esculape_domain::Day) -> t::Date {
    t::Date {
        year: d.year as u16,
        month: d.month as u8,
        day: d.day as u8,
    }
}
