//! FROZEN with the plugin: see lib.rs.

/// The SDK's `cda::from_host` as it was for API 0.1.0 (the SDK has moved
/// to 0.2.0): filling the header from what the host hands a `document`
/// plugin.
pub mod from_host {
    use crate::bindings::esculape::host::pdf::{Block, Layout};
    use crate::bindings::esculape::host::record_read;
    use crate::bindings::esculape::host::types::{self, Coded, Error, IdentityStatus};
    use crate::bindings::exports::esculape::plugin::document_type::{
        Context, Field, FieldKind, Produced,
    };
    use esculape_sdk::cda::{Author, Code, Header, Organization, Patient, Sex, oid_from_hex};

    pub fn code(c: &Coded) -> Code {
        Code {
            code: c.code.clone(),
            system: c.code_system.clone(),
            system_name: c.code_system_name.clone(),
            display: c.display.clone(),
        }
    }

    pub fn date(d: &types::Date) -> String {
        format!("{:04}{:02}{:02}", d.year, d.month, d.day)
    }

    pub fn patient(p: &record_read::Patient) -> Patient {
        let t = &p.traits;
        // The record's id (128 random bits in hex) is unique on its own.
        let local_id = match oid_from_hex(&p.id) {
            Some(root) => (root, p.id.clone()),
            None => ("2.25.0".into(), p.id.clone()),
        };
        Patient {
            local_id,
            ins: p.ins.as_ref().map(|i| (i.matricule.clone(), i.oid.clone())),
            qualified: p.status == IdentityStatus::Qualifiee,
            birth_name: t.birth_name.clone(),
            birth_first_names: t.birth_first_names.clone(),
            used_name: t.used_name.clone().filter(|u| u != &t.birth_name),
            used_first_name: t.used_first_name.clone(),
            sex: match t.sex {
                types::Sex::Female => Sex::Female,
                types::Sex::Male => Sex::Male,
                types::Sex::Unknown => Sex::Unknown,
            },
            birth_date: date(&t.birth_date),
            birth_place_cog: t.birth_place_cog.clone(),
            address: None,
            telecoms: vec![],
        }
    }

    /// The header of a document of this type and title for this patient.
    pub fn header(
        ctx: &Context,
        patient: &record_read::Patient,
        type_code: Code,
        title: &str,
        template_ids: Vec<(String, Option<String>)>,
    ) -> Header {
        let now = esculape_sdk::cda::hl7_time(
            ctx.effective_time.unix_millis,
            ctx.effective_time.utc_offset_minutes,
        );
        Header {
            template_ids,
            id: ctx.document_id.clone(),
            set_id: ctx.set_id.clone(),
            version: ctx.version_number,
            type_code,
            title: title.to_string(),
            effective_time: now.clone(),
            confidentiality: Header::normal_confidentiality(),
            patient: self::patient(patient),
            author: Author {
                id: ctx.author_rpps.clone(),
                given: ctx.author_given.clone(),
                family: ctx.author_family.clone(),
                profession: code(&ctx.author_specialty),
            },
            organization: Organization {
                id: ctx.organization_id.clone(),
                name: ctx.organization_name.clone(),
                facility_type: code(&ctx.facility_type),
                practice_setting: code(&ctx.practice_setting),
            },
            service_event: None,
            service_start: now,
            service_end: None,
            informants: vec![],
        }
    }

    /// The identity block every printed document starts with: the INS
    /// DataMatrix and "INS à scanner" for a qualified identity
    /// (SC.DOC.03, SC.CDA/VISU.04), then the traits.
    pub fn identity_blocks(h: &Header) -> Vec<Block> {
        let p = &h.patient;
        let mut blocks = Vec::new();
        if let Some(bytes) = esculape_sdk::cda::ins_datamatrix(p) {
            blocks.push(Block::Datamatrix((bytes, "INS à scanner".into())));
        }
        let mut rows = vec![
            vec!["Nom de naissance".into(), p.birth_name.clone()],
            vec![
                "Prénom(s) de naissance".into(),
                p.birth_first_names.join(" "),
            ],
        ];
        if let Some(u) = &p.used_name {
            rows.push(vec!["Nom utilisé".into(), u.clone()]);
        }
        if let Some(u) = &p.used_first_name {
            rows.push(vec!["Prénom utilisé".into(), u.clone()]);
        }
        let d = &p.birth_date;
        let born = if d.len() == 8 {
            format!("{}/{}/{}", &d[6..8], &d[4..6], &d[0..4])
        } else {
            d.clone()
        };
        rows.push(vec![
            "Sexe, naissance".into(),
            format!(
                "{}, né(e) le {born}{}",
                match p.sex {
                    Sex::Female => "F",
                    Sex::Male => "M",
                    Sex::Unknown => "I",
                },
                p.birth_place_cog
                    .as_ref()
                    .map(|c| format!(" (lieu {c})"))
                    .unwrap_or_default()
            ),
        ]);
        if let Some((matricule, root)) = p.exchanged_ins() {
            rows.push(vec!["INS".into(), format!("{matricule} ({root})")]);
        }
        blocks.push(Block::Table((vec!["Patient".into(), String::new()], rows)));
        blocks
    }

    /// An N1 document: the printed layout (identity, then `blocks`, then
    /// the signature) rendered to PDF/A-1 by `render` (the host's `pdf`
    /// capability) and embedded in the CDA: one source for both.
    pub fn n1(
        header: &Header,
        blocks: Vec<Block>,
        render: &dyn Fn(&Layout) -> Result<Vec<u8>, Error>,
        notices: Vec<String>,
    ) -> Result<Produced, Error> {
        let layout = printed(header, blocks);
        let pdf = render(&layout)?;
        let cda = esculape_sdk::cda::document(header, esculape_sdk::cda::Body::N1(&pdf));
        Ok(Produced {
            cda,
            layout,
            notices,
        })
    }

    /// The printed layout: identity, the document's blocks, the signature.
    fn printed(header: &Header, blocks: Vec<Block>) -> Layout {
        let mut all = identity_blocks(header);
        all.extend(blocks);
        all.push(signature_block(header));
        Layout {
            title: header.title.clone(),
            author: format!("{} {}", header.author.given, header.author.family),
            blocks: all,
        }
    }

    /// A form field.
    pub fn field(
        key: &str,
        label: &str,
        kind: FieldKind,
        required: bool,
        help: Option<&str>,
    ) -> Field {
        Field {
            key: key.into(),
            label: label.into(),
            kind,
            required,
            help: help.map(str::to_string),
        }
    }

    /// The signature block at the end of a printed document.
    pub fn signature_block(h: &Header) -> Block {
        let t = &h.effective_time;
        let date = if t.len() >= 8 {
            format!("{}/{}/{}", &t[6..8], &t[4..6], &t[0..4])
        } else {
            t.clone()
        };
        // IDNPS "8" + RPPS, IDNST "1" + FINESS: shown as people know them.
        let rpps = h.author.id.strip_prefix('8').unwrap_or(&h.author.id);
        let structure = match h.organization.id.strip_prefix('1') {
            Some(finess) => format!("FINESS {finess}"),
            None => h.organization.id.clone(),
        };
        Block::Paragraph(format!(
            "Fait le {date}\nDr {} {} — {} — RPPS {rpps}\n{} ({structure})",
            h.author.given,
            h.author.family,
            h.author.profession.display.clone().unwrap_or_default(),
            h.organization.name,
        ))
    }
}
