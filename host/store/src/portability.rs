//! Data portability (PORT/va1.01): a patient's whole file out, as open JSON
//! plus the original document bytes, and back in without loss (same ids,
//! versions and dates). The file format is described in
//! `docs/export-format.md`; the host CLI packs it in a zip.

use crate::audit;
use crate::db::Store;
use crate::documents::{DocumentMeta, FormulaireSigne};
use crate::record::Chart;
use crate::{Actor, Result, StoreError};
use std::collections::BTreeMap;

/// One patient as exported: the chart and the bytes of its documents.
pub struct PatientExport {
    pub chart: Chart,
    /// Document id → original bytes.
    pub contents: BTreeMap<String, Vec<u8>>,
    /// Document id → the form it was signed from (documents produced
    /// here by a plugin).
    pub formulaires: BTreeMap<String, FormulaireSigne>,
}

impl Store {
    /// Ids of every patient, in a stable order.
    pub async fn patient_ids(&self) -> Result<Vec<String>> {
        use sqlx::Row;
        sqlx::query("SELECT id FROM patient ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok(r.try_get::<String, _>(0)?))
            .collect()
    }

    /// Export one patient; traced as `dossier.read` and `export`.
    pub async fn export_patient(&self, actor: &Actor, id: &str) -> Result<PatientExport> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(id))
            .await?;

        let chart = self.full_chart(actor, id).await?;
        let mut contents = BTreeMap::new();
        for d in &chart.documents {
            let (_, bytes) = self.document(actor, &d.id).await?;
            contents.insert(d.id.clone(), bytes);
        }
        let ids: Vec<String> = chart.documents.iter().map(|d| d.id.clone()).collect();
        let mut tx = self.begin_read().await?;
        let formulaires = crate::documents::forms_of(&mut tx, &ids).await?;
        tx.commit().await?;
        self.trace(
            actor,
            "export",
            Some(id),
            &format!("{} documents", contents.len()),
        )
        .await?;
        Ok(PatientExport {
            chart,
            contents,
            formulaires,
        })
    }

    /// Import one exported patient into this database, keeping its ids;
    /// refused if the patient is already here. A file is checked like an
    /// API write ([`verifier_import`]): its identity is typed (its INS and
    /// INSi provenance do not travel: the INSi is asked again at the
    /// file's opening), and everything in it belongs to this patient, of
    /// the importer's structure. Traced as `import`.
    pub async fn import_patient(&self, actor: &Actor, export: &PatientExport) -> Result<()> {
        let c = &export.chart;
        let today = esculape_domain::BirthDate::from(
            esculape_domain::calendar::paris_local(self.now()).day(),
        );
        let patient = verifier_import(c, today)?;
        let p = &patient;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let structure = crate::portee::structure_de_creation(&mut tx, actor).await?;
        let event = audit::append(
            &mut tx,
            self.backend,
            actor,
            "import",
            Some(&p.id),
            &format!("{} documents", c.documents.len()),
        )
        .await?;
        crate::patients::insert_record(&mut tx, p, event.seq, structure.as_deref()).await?;
        if c.contact != Default::default() {
            sqlx::query("INSERT INTO patient_contact (patient_id, address, postal_code, city, phone, mobile, email, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(p.id.clone())
                .bind(c.contact.address.clone())
                .bind(c.contact.postal_code.clone())
                .bind(c.contact.city.clone())
                .bind(c.contact.phone.clone())
                .bind(c.contact.mobile.clone())
                .bind(c.contact.email.clone())
                .bind(p.updated_at)
                .bind(c.contact_version.max(1))
                .execute(&mut *tx)
                .await?;
        }
        for m in &c.care_team {
            sqlx::query("INSERT INTO care_team_member (id, patient_id, name, profession, rpps, mssante, relation, created_at, removed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)")
                .bind(m.id.clone())
                .bind(p.id.clone())
                .bind(m.member.name.clone())
                .bind(m.member.profession.clone())
                .bind(m.member.rpps.clone())
                .bind(m.member.mssante.clone())
                .bind(m.member.relation.clone())
                .bind(m.created_at)
                .execute(&mut *tx)
                .await?;
        }
        for e in &c.episodes {
            sqlx::query("INSERT INTO episode (id, patient_id, label, opened_at, closed_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(e.id.clone())
                .bind(p.id.clone())
                .bind(e.label.clone())
                .bind(e.opened_at)
                .bind(e.closed_at)
                .execute(&mut *tx)
                .await?;
            for (i, d) in e.history.iter().enumerate() {
                sqlx::query("INSERT INTO dmp_decision (episode_id, seq, kind, value, at, actor) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(e.id.clone())
                    .bind(i as i64 + 1)
                    .bind(d.decision.kind())
                    .bind(d.decision.value())
                    .bind(d.at)
                    .bind(d.actor.clone())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        for e in &c.encounters {
            sqlx::query("INSERT INTO encounter (id, patient_id, episode_id, author, date, reason, note, created_at, updated_at, version, modifie_par) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                .bind(e.id.clone())
                .bind(p.id.clone())
                .bind(e.episode_id.clone())
                .bind(e.author.clone())
                .bind(e.date.to_string())
                .bind(e.reason.clone())
                .bind(e.note.clone())
                .bind(e.created_at)
                .bind(e.updated_at)
                .bind(e.version)
                .bind(e.modifie_par.clone())
                .execute(&mut *tx)
                .await?;
        }
        for e in &c.entries {
            let data = e.data.clone().validate()?;
            crate::record::insert_entry(
                &mut tx,
                &e.id,
                &p.id,
                e.encounter_id.as_deref(),
                &data,
                (&e.author, e.modifie_par.as_deref()),
                (e.created_at, e.updated_at),
                e.version,
            )
            .await?;
        }
        // Superseded versions point at their successors: insert the
        // documents first, then their links.
        for d in &c.documents {
            let bytes = export.contents.get(&d.id).ok_or_else(|| {
                StoreError::Rule(format!("contenu du document {} absent de l'export", d.id))
            })?;
            check_content(d, bytes)?;
            crate::documents::insert(&mut tx, d, bytes).await?;
            if let Some(f) = export.formulaires.get(&d.id) {
                crate::documents::insert_form(&mut tx, &d.id, f).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The imported patient as an API write would make it, once everything
/// in the file is checked to be this patient's: its documents, the
/// episodes of its encounters, the encounters of its entries. The
/// identity is typed anew without INS and not from the INSi (a file
/// cannot make an identity récupérée or qualifiée); its traits, used
/// names, attributes and a high-trust document check (not one made
/// through the INSi path) stay.
pub fn verifier_import(
    c: &Chart,
    today: esculape_domain::BirthDate,
) -> Result<crate::PatientRecord> {
    use esculape_domain::{Identity, Justificatif, NewIdentity};
    let p = &c.patient;
    let autre = |quoi: &str, id: &str| {
        StoreError::Rule(format!(
            "{quoi} {id} n'appartient pas au dossier importé {}",
            p.id
        ))
    };
    for d in &c.documents {
        if d.patient_id != p.id {
            return Err(autre("le document", &d.id));
        }
    }
    for e in &c.encounters {
        if let Some(ep) = &e.episode_id
            && !c.episodes.iter().any(|x| &x.id == ep)
        {
            return Err(autre("l'épisode", ep));
        }
    }
    for e in &c.entries {
        if let Some(enc) = &e.encounter_id
            && !c.encounters.iter().any(|x| &x.id == enc)
        {
            return Err(autre("la consultation", enc));
        }
    }
    let i = &p.identity;
    let (justificatif, high_trust) = match i.justificatif {
        Some(Justificatif::Apcv | Justificatif::ProcedureTransitoire) => (None, false),
        j => (j, i.high_trust_document),
    };
    let new = NewIdentity {
        birth_name: i.birth_name.clone(),
        used_name: i.used_name.clone(),
        birth_first_names: i.birth_first_names.clone(),
        used_first_name: i.used_first_name.clone(),
        sex: i.sex,
        birth_date: i.birth_date,
        birth_place_cog: i.birth_place_cog.clone(),
        ins: None,
        high_trust_document: high_trust,
        justificatif,
        from_insi: false,
        attributes: i.attributes,
    };
    Ok(crate::PatientRecord {
        identity: Identity::saisie(new, None, today)?,
        insi_verifie_le: None,
        ..p.clone()
    })
}

fn check_content(d: &DocumentMeta, bytes: &[u8]) -> Result<()> {
    use sha2::Digest;
    let h = hex::encode(sha2::Sha256::digest(bytes));
    if h != d.sha256 || bytes.len() as i64 != d.size {
        return Err(StoreError::Rule(format!(
            "le contenu du document {} ne correspond pas à son empreinte",
            d.id
        )));
    }
    Ok(())
}
