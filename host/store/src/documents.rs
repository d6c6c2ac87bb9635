//! Documents of the record: bytes apart from their metadata (listing a
//! chart never reads contents), versions chained by setId, provenance,
//! sending states and visibility. Nothing is erased: a corrected document
//! supersedes the previous version, a deleted one is marked.

use crate::audit;
use crate::db::{JsonRow, Store, json_row};
use crate::outbox::NouveauTravail;
use crate::{Actor, Result, StoreError, new_id};
pub use esculape_api_types::documents::{Channel, DocumentMeta, FormulaireSigne};
use esculape_domain::Day;
use esculape_domain::document::{DocumentStatus, NewDocument, SendingState, Visibility};
use sha2::{Digest, Sha256};
use sqlx::Row;

type Tx = sqlx::Transaction<'static, sqlx::Any>;

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Bind $1–$5 of the document list filter.
fn bind_filter<'q>(sql: &'q str, patient_id: &str, q: &DocumentQuery) -> AnyQuery<'q> {
    sqlx::query(sql)
        .bind(patient_id.to_string())
        .bind(q.type_code.clone().unwrap_or_default())
        .bind(q.from.map(|d| d.to_string()).unwrap_or_default())
        .bind(q.to.map(|d| d.to_string()).unwrap_or_default())
        .bind(q.include_deleted as i64)
}

/// Sort key of a document list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentSort {
    #[default]
    ActDate,
    Type,
    Title,
    Created,
}

/// Filter, sort and page of a document list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct DocumentQuery {
    /// LOINC type code.
    #[serde(default, rename = "type")]
    pub type_code: Option<String>,
    /// Act date from (inclusive).
    #[serde(default)]
    pub from: Option<Day>,
    /// Act date to (inclusive).
    #[serde(default)]
    pub to: Option<Day>,
    #[serde(default)]
    pub sort: DocumentSort,
    /// Oldest first (default: newest first).
    #[serde(default)]
    pub ascending: bool,
    #[serde(default)]
    pub include_deleted: bool,
    #[serde(default)]
    pub offset: i64,
    #[serde(default = "default_page")]
    pub limit: i64,
}

fn default_page() -> i64 {
    100
}

impl Default for DocumentQuery {
    fn default() -> Self {
        Self {
            type_code: None,
            from: None,
            to: None,
            sort: DocumentSort::default(),
            ascending: false,
            include_deleted: false,
            offset: 0,
            limit: default_page(),
        }
    }
}

const COLUMNS: &str = "id, patient_id, set_id, version_number, title, type_code, type_display, format, act_date, provenance, author, created_at, status, superseded_by, dmp_state, mssante_state, masque_aux_professionnels, invisible_au_patient, invisible_aux_representants, sha256, size";

/// Enum ↔ its serde code (the codes are the schema's CHECK values).
/// The channels an order of `ordres` is for are « en attente » (by the
/// order's kind: `dmp.` or `mss.`).
fn en_attente(m: &mut DocumentMeta, ordres: &[&NouveauTravail]) {
    for o in ordres {
        if o.kind.starts_with("dmp.") {
            m.dmp_state = SendingState::EnAttente;
        } else if o.kind.starts_with("mss.") {
            m.mssante_state = SendingState::EnAttente;
        }
    }
}

fn code<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, s: String) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.clone()))
        .map_err(|_| StoreError::Corrupt(format!("{what} «{s}»")))
}

pub(crate) fn row_meta(r: &sqlx::any::AnyRow) -> Result<DocumentMeta> {
    let mut r = JsonRow::of(r)?;
    let act: String = r.get(8)?;
    Ok(DocumentMeta {
        id: r.get(0)?,
        patient_id: r.get(1)?,
        set_id: r.get(2)?,
        version_number: r.get(3)?,
        title: r.get(4)?,
        type_code: r.get(5)?,
        type_display: r.get(6)?,
        format: decode("format", r.get(7)?)?,
        act_date: Day::parse(&act).map_err(|_| StoreError::Corrupt(format!("date {act}")))?,
        provenance: decode("provenance", r.get(9)?)?,
        author: r.get(10)?,
        created_at: r.get(11)?,
        status: decode("statut", r.get(12)?)?,
        superseded_by: r.get(13)?,
        dmp_state: decode("état DMP", r.get(14)?)?,
        mssante_state: decode("état MSSanté", r.get(15)?)?,
        visibility: Visibility {
            masque_aux_professionnels: r.get::<i64>(16)? != 0,
            invisible_au_patient: r.get::<i64>(17)? != 0,
            invisible_aux_representants: r.get::<i64>(18)? != 0,
        },
        sha256: r.get(19)?,
        size: r.get(20)?,
    })
}

/// The document columns as one value per row ([`row_meta`] reads it).
pub(crate) fn meta_select(tx: &sqlx::AnyConnection) -> String {
    json_row(tx, COLUMNS)
}

/// The newest documents of a patient and how many there are, in one
/// statement (the count is a scalar subquery, evaluated once).
pub(crate) async fn of_patient(
    tx: &mut sqlx::AnyConnection,
    patient_id: &str,
    limit: i64,
) -> Result<(Vec<DocumentMeta>, i64)> {
    let rows = sqlx::query(&format!(
        "SELECT {}, (SELECT COUNT(*) FROM document WHERE patient_id = $1) FROM document WHERE patient_id = $1 ORDER BY act_date DESC, created_at DESC, id DESC LIMIT $2",
        meta_select(tx)
    ))
    .bind(patient_id.to_string())
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let total = crate::db::total_of(&rows)?;
    Ok((rows.iter().map(row_meta).collect::<Result<_>>()?, total))
}

pub(crate) async fn fetch_meta(conn: &mut sqlx::AnyConnection, id: &str) -> Result<DocumentMeta> {
    let r = sqlx::query(&format!(
        "SELECT {} FROM document WHERE id = $1",
        meta_select(conn)
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("document {id}")))?;
    row_meta(&r)
}

/// Insert a document row and its bytes (import and restore keep ids).
pub(crate) async fn insert(tx: &mut Tx, m: &DocumentMeta, content: &[u8]) -> Result<()> {
    let r = sqlx::query(&format!(
        "INSERT INTO document ({COLUMNS}) VALUES ({})",
        (1..=21)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .bind(m.id.clone())
    .bind(m.patient_id.clone())
    .bind(m.set_id.clone())
    .bind(m.version_number)
    .bind(m.title.clone())
    .bind(m.type_code.clone())
    .bind(m.type_display.clone())
    .bind(code(&m.format))
    .bind(m.act_date.to_string())
    .bind(code(&m.provenance))
    .bind(m.author.clone())
    .bind(m.created_at)
    .bind(code(&m.status))
    .bind(m.superseded_by.clone())
    .bind(code(&m.dmp_state))
    .bind(code(&m.mssante_state))
    .bind(m.visibility.masque_aux_professionnels as i64)
    .bind(m.visibility.invisible_au_patient as i64)
    .bind(m.visibility.invisible_aux_representants as i64)
    .bind(m.sha256.clone())
    .bind(m.size)
    .execute(&mut **tx)
    .await;
    match r {
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            return Err(StoreError::Duplicate(format!(
                "document {} déjà présent",
                m.id
            )));
        }
        r => {
            r?;
        }
    }
    sqlx::query("INSERT INTO document_content (document_id, bytes) VALUES ($1, $2)")
        .bind(m.id.clone())
        .bind(content.to_vec())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) async fn insert_form(tx: &mut Tx, document_id: &str, f: &FormulaireSigne) -> Result<()> {
    sqlx::query("INSERT INTO document_form (document_id, plugin, valeurs) VALUES ($1, $2, $3)")
        .bind(document_id.to_string())
        .bind(f.plugin.clone())
        .bind(serde_json::Value::Object(f.valeurs.clone()).to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The signed forms of these documents (those that have one).
pub(crate) async fn forms_of(
    conn: &mut sqlx::AnyConnection,
    ids: &[String],
) -> Result<std::collections::BTreeMap<String, FormulaireSigne>> {
    let mut out = std::collections::BTreeMap::new();
    for id in ids {
        let row = sqlx::query("SELECT plugin, valeurs FROM document_form WHERE document_id = $1")
            .bind(id.clone())
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(r) = row {
            let valeurs: String = r.try_get(1)?;
            let valeurs = match serde_json::from_str(&valeurs) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => return Err(StoreError::Corrupt(format!("formulaire du document {id}"))),
            };
            out.insert(
                id.clone(),
                FormulaireSigne {
                    plugin: r.try_get(0)?,
                    valeurs,
                },
            );
        }
    }
    Ok(out)
}

impl Store {
    /// Store a new document (version 1 of a new set); traced as
    /// `document.ajout`.
    pub async fn add_document(
        &self,
        actor: &Actor,
        patient_id: &str,
        doc: NewDocument,
        content: Vec<u8>,
    ) -> Result<DocumentMeta> {
        self.add_signed_document(actor, patient_id, doc, content, None, &[])
            .await
    }

    /// [`Self::add_document`], with the form it was signed from and its
    /// sending orders, if any (the DMP feeding, an MSSanté sending made
    /// without being asked; all in the same transaction: a signed
    /// document never lacks its orders; each channel with one is then
    /// « en attente »).
    pub async fn add_signed_document(
        &self,
        actor: &Actor,
        patient_id: &str,
        doc: NewDocument,
        content: Vec<u8>,
        form: Option<&FormulaireSigne>,
        ordres: &[&NouveauTravail],
    ) -> Result<DocumentMeta> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        let doc = doc.validate(&content)?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        crate::record::patient_exists(&mut tx, patient_id).await?;
        let id = doc.cda_id.clone().unwrap_or_else(new_id);
        let set_id = doc.cda_set_id.clone().unwrap_or_else(new_id);
        let mut m = self.new_meta(actor, patient_id, &id, set_id, 1, &doc, &content);
        en_attente(&mut m, ordres);
        insert(&mut tx, &m, &content).await?;
        if let Some(f) = form {
            insert_form(&mut tx, &id, f).await?;
        }
        for o in ordres {
            crate::outbox::enqueue_in(&mut tx, self.now(), o).await?;
        }
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "document.ajout",
            Some(patient_id),
            &id,
        )
        .await?;
        tx.commit().await?;
        Ok(m)
    }

    /// A corrected version: new id, same setId, versionNumber + 1; the
    /// previous version is marked superseded. Traced as `document.version`.
    pub async fn replace_document(
        &self,
        actor: &Actor,
        previous_id: &str,
        doc: NewDocument,
        content: Vec<u8>,
    ) -> Result<DocumentMeta> {
        self.replace_signed_document(actor, previous_id, doc, content, None, &[])
            .await
    }

    /// [`Self::replace_document`], with the form the correction was signed
    /// from and its sending orders. The previous version's DMP order, if
    /// it still waits, is cancelled (state « annulé »): a document
    /// corrected during the delay leaves only in its corrected version
    /// (its MSSanté orders see at their try that it was replaced).
    pub async fn replace_signed_document(
        &self,
        actor: &Actor,
        previous_id: &str,
        doc: NewDocument,
        content: Vec<u8>,
        form: Option<&FormulaireSigne>,
        ordres: &[&NouveauTravail],
    ) -> Result<DocumentMeta> {
        self.verifier_portee(actor, crate::portee::Cible::Document(previous_id))
            .await?;

        let doc = doc.validate(&content)?;
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let prev = fetch_meta(&mut tx, previous_id).await?;
        if prev.status != DocumentStatus::Actif {
            return Err(StoreError::Rule(format!(
                "le document {previous_id} n'est plus la version en vigueur"
            )));
        }
        let id = doc.cda_id.clone().unwrap_or_else(new_id);
        let mut m = self.new_meta(
            actor,
            &prev.patient_id,
            &id,
            prev.set_id.clone(),
            prev.version_number + 1,
            &doc,
            &content,
        );
        en_attente(&mut m, ordres);
        insert(&mut tx, &m, &content).await?;
        if let Some(f) = form {
            insert_form(&mut tx, &id, f).await?;
        }
        for o in ordres {
            crate::outbox::enqueue_in(&mut tx, self.now(), o).await?;
        }
        let now = self.now();
        let annules = sqlx::query("UPDATE outbox SET cancelled_at = $1, done_at = $1, last_error = NULL WHERE substr(kind, 1, 4) = 'dmp.' AND payload = $2 AND done_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $1)")
            .bind(now)
            .bind(previous_id.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if annules > 0 && prev.dmp_state == SendingState::EnAttente {
            sqlx::query("UPDATE document SET dmp_state = $1 WHERE id = $2")
                .bind(code(&SendingState::Annule))
                .bind(previous_id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE document SET status = 'remplace', superseded_by = $1 WHERE id = $2")
            .bind(id.clone())
            .bind(previous_id.to_string())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "document.version",
            Some(&prev.patient_id),
            &format!("{previous_id}→{id}"),
        )
        .await?;
        tx.commit().await?;
        Ok(m)
    }

    /// Store a received document (DMP, MSSanté, import) under its own
    /// CDA identity (SC.CDA/INT.18, DD.05): the same document — the same
    /// id, or the same setId and version — is refused as already present;
    /// a newer version of a set already here replaces the current one
    /// (kept, marked replaced); an older version arriving late is kept,
    /// marked replaced by the newer. Traced as `document.reception`.
    pub async fn recevoir_document(
        &self,
        actor: &Actor,
        patient_id: &str,
        doc: NewDocument,
        version_number: i64,
        content: Vec<u8>,
    ) -> Result<DocumentMeta> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;
        let doc = doc.validate(&content)?;
        let id = doc
            .cda_id
            .clone()
            .ok_or_else(|| StoreError::Rule("document reçu sans identifiant".into()))?;
        // a document without a setId is a set of its own
        let set_id = doc.cda_set_id.clone().unwrap_or_else(|| id.clone());
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        crate::record::patient_exists(&mut tx, patient_id).await?;
        let meme = sqlx::query("SELECT patient_id, title, act_date FROM document WHERE id = $1")
            .bind(id.clone())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(r) = meme {
            let patient: String = r.try_get(0)?;
            // another patient's document is not named
            return Err(StoreError::Duplicate(if patient == patient_id {
                let titre: String = r.try_get(1)?;
                let jour: String = r.try_get(2)?;
                let jour = match (jour.get(0..4), jour.get(5..7), jour.get(8..10)) {
                    (Some(a), Some(m), Some(j)) => format!("{j}/{m}/{a}"),
                    _ => jour,
                };
                format!("document déjà présent dans le dossier : « {titre} » du {jour}")
            } else {
                "document déjà enregistré (même identifiant)".into()
            }));
        }
        let versions = sqlx::query(
            "SELECT id, version_number, status FROM document WHERE set_id = $1 AND patient_id = $2",
        )
        .bind(set_id.clone())
        .bind(patient_id.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let mut courante: Option<(String, i64)> = None;
        for r in &versions {
            let (autre, v, statut): (String, i64, String) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            if v == version_number {
                return Err(StoreError::Duplicate(format!(
                    "document déjà présent dans le dossier : même setId, version {v}"
                )));
            }
            if statut == "actif" {
                courante = Some((autre, v));
            }
        }
        let mut m = self.new_meta(
            actor,
            patient_id,
            &id,
            set_id.clone(),
            version_number,
            &doc,
            &content,
        );
        let mut detail = format!("{id} (setId {set_id}, version {version_number})");
        match &courante {
            Some((plus_recente, v)) if *v > version_number => {
                m.status = DocumentStatus::Remplace;
                m.superseded_by = Some(plus_recente.clone());
                detail.push_str(&format!(", remplacé par {plus_recente}"));
            }
            _ => {}
        }
        insert(&mut tx, &m, &content).await?;
        if let Some((ancienne, v)) = &courante
            && *v < version_number
        {
            sqlx::query(
                "UPDATE document SET status = 'remplace', superseded_by = $1 WHERE id = $2",
            )
            .bind(id.clone())
            .bind(ancienne.clone())
            .execute(&mut *tx)
            .await?;
            detail.push_str(&format!(", remplace {ancienne}"));
        }
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "document.reception",
            Some(patient_id),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(m)
    }

    #[allow(clippy::too_many_arguments)]
    fn new_meta(
        &self,
        actor: &Actor,
        patient_id: &str,
        id: &str,
        set_id: String,
        version_number: i64,
        doc: &NewDocument,
        content: &[u8],
    ) -> DocumentMeta {
        DocumentMeta {
            id: id.to_string(),
            patient_id: patient_id.to_string(),
            set_id,
            version_number,
            title: doc.title.clone(),
            type_code: doc.type_code.clone(),
            type_display: doc.type_display.clone(),
            format: doc.format,
            act_date: doc.act_date,
            provenance: doc.provenance,
            author: actor.user_id.clone(),
            created_at: self.now(),
            status: DocumentStatus::Actif,
            superseded_by: None,
            dmp_state: SendingState::default(),
            mssante_state: SendingState::default(),
            visibility: doc.visibility,
            sha256: hex::encode(Sha256::digest(content)),
            size: content.len() as i64,
        }
    }

    /// The version `id` replaced, if it is a correction.
    pub async fn version_remplacee(&self, actor: &Actor, id: &str) -> Result<Option<DocumentMeta>> {
        self.verifier_portee(actor, crate::portee::Cible::Document(id))
            .await?;
        let mut conn = self.pool.acquire().await?;
        let r = sqlx::query(&format!(
            "SELECT {} FROM document WHERE superseded_by = $1",
            meta_select(&conn)
        ))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        r.as_ref().map(row_meta).transpose()
    }

    /// Mark a document deleted (kept, hidden from the current list).
    pub async fn delete_document(&self, actor: &Actor, id: &str) -> Result<DocumentMeta> {
        self.verifier_portee(actor, crate::portee::Cible::Document(id))
            .await?;

        self.change_document(
            actor,
            id,
            "document.suppression",
            "status = 'supprime'",
            None,
        )
        .await
    }

    pub async fn set_sending_state(
        &self,
        actor: &Actor,
        id: &str,
        channel: Channel,
        state: SendingState,
    ) -> Result<DocumentMeta> {
        self.verifier_portee(actor, crate::portee::Cible::Document(id))
            .await?;

        let col = match channel {
            Channel::Dmp => "dmp_state",
            Channel::Mssante => "mssante_state",
        };
        self.change_document(
            actor,
            id,
            "document.envoi",
            &format!("{col} = $2"),
            Some(code(&state)),
        )
        .await
    }

    /// Puts the document « en attente » on `channel` and queues the job
    /// that sends it, in one transaction (traced `document.envoi`); refused
    /// while a sending on that channel is already waiting.
    pub async fn mettre_en_file_envoi(
        &self,
        actor: &Actor,
        id: &str,
        channel: Channel,
        travail: &crate::outbox::NouveauTravail,
    ) -> Result<DocumentMeta> {
        self.verifier_portee(actor, crate::portee::Cible::Document(id))
            .await?;
        let col = match channel {
            Channel::Dmp => "dmp_state",
            Channel::Mssante => "mssante_state",
        };
        let attente = code(&SendingState::EnAttente);
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let before = fetch_meta(&mut tx, id).await?;
        let n = sqlx::query(&format!(
            "UPDATE document SET {col} = $2 WHERE id = $1 AND {col} <> $2"
        ))
        .bind(id.to_string())
        .bind(attente.clone())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Duplicate(
                "un envoi de ce document est déjà en attente".into(),
            ));
        }
        crate::outbox::enqueue_in(&mut tx, self.now(), travail).await?;
        audit::append(
            &mut tx,
            self.backend,
            actor,
            "document.envoi",
            Some(&before.patient_id),
            &format!("{id} {attente}"),
        )
        .await?;
        let m = fetch_meta(&mut tx, id).await?;
        tx.commit().await?;
        Ok(m)
    }

    pub async fn set_visibility(
        &self,
        actor: &Actor,
        id: &str,
        v: Visibility,
    ) -> Result<DocumentMeta> {
        self.verifier_portee(actor, crate::portee::Cible::Document(id))
            .await?;

        let set = format!(
            "masque_aux_professionnels = {}, invisible_au_patient = {}, invisible_aux_representants = {}",
            v.masque_aux_professionnels as i64,
            v.invisible_au_patient as i64,
            v.invisible_aux_representants as i64
        );
        self.change_document(actor, id, "document.visibilite", &set, None)
            .await
    }

    async fn change_document(
        &self,
        actor: &Actor,
        id: &str,
        action: &str,
        set: &str,
        value: Option<String>,
    ) -> Result<DocumentMeta> {
        let _g = self.audit_lock.lock().await;
        let mut tx = self.begin().await?;
        let before = fetch_meta(&mut tx, id).await?;
        let sql = format!("UPDATE document SET {set} WHERE id = $1");
        let mut q = sqlx::query(&sql).bind(id.to_string());
        if let Some(v) = value.clone() {
            q = q.bind(v);
        }
        q.execute(&mut *tx).await?;
        let detail = match value {
            Some(v) => format!("{id} {v}"),
            None => id.to_string(),
        };
        audit::append(
            &mut tx,
            self.backend,
            actor,
            action,
            Some(&before.patient_id),
            &detail,
        )
        .await?;
        let m = fetch_meta(&mut tx, id).await?;
        tx.commit().await?;
        Ok(m)
    }

    /// The documents of a patient (metadata), filtered, sorted and paged
    /// (SC.CDA/INT.04); traced as `documents.liste`.
    pub async fn documents(
        &self,
        actor: &Actor,
        patient_id: &str,
        q: &DocumentQuery,
    ) -> Result<crate::record::Page<DocumentMeta>> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        let order = match q.sort {
            DocumentSort::ActDate => "act_date",
            DocumentSort::Type => "type_code",
            DocumentSort::Title => "title",
            DocumentSort::Created => "created_at",
        };
        let dir = if q.ascending { "ASC" } else { "DESC" };
        let filter = "patient_id = $1 AND ($2 = '' OR type_code = $2) AND ($3 = '' OR act_date >= $3) AND ($4 = '' OR act_date <= $4) AND ($5 = 1 OR status <> 'supprime')";
        // Read, then traced (`Store::trace`): reads do not wait for one
        // another on the audit lock. The page and its total may straddle a
        // concurrent write; each is whole.
        let mut c = self.pool.acquire().await?;
        // The page is chosen on the plain columns, then only its rows are
        // turned into JSON.
        let sql = format!(
            "SELECT {} FROM (SELECT {COLUMNS} FROM document WHERE {filter} ORDER BY {order} {dir}, created_at {dir}, id LIMIT $6 OFFSET $7) page ORDER BY {order} {dir}, created_at {dir}, id",
            meta_select(&c)
        );
        crate::record::patient_exists(&mut c, patient_id).await?;
        let items = bind_filter(&sql, patient_id, q)
            .bind(q.limit.clamp(1, 500))
            .bind(q.offset.max(0))
            .fetch_all(&mut *c)
            .await?
            .iter()
            .map(row_meta)
            .collect::<Result<Vec<_>>>()?;
        let count_sql = format!("SELECT COUNT(*) FROM document WHERE {filter}");
        let total: i64 = bind_filter(&count_sql, patient_id, q)
            .fetch_one(&mut *c)
            .await?
            .try_get(0)?;
        drop(c);
        self.trace(actor, "documents.liste", Some(patient_id), "")
            .await?;
        Ok(crate::record::Page { total, items })
    }

    /// The signed forms of the current documents of one patient (a plugin
    /// reading the record: the exam report a certificate takes its findings
    /// from), by document id, in one query. Traced once as
    /// `document.formulaires`.
    pub async fn formulaires_signes(
        &self,
        actor: &Actor,
        patient_id: &str,
    ) -> Result<std::collections::BTreeMap<String, FormulaireSigne>> {
        self.verifier_portee(actor, crate::portee::Cible::Patient(patient_id))
            .await?;

        let rows = sqlx::query(
            "SELECT f.document_id, f.plugin, f.valeurs FROM document_form f \
             JOIN document d ON d.id = f.document_id \
             WHERE d.patient_id = $1 AND d.superseded_by IS NULL",
        )
        .bind(patient_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut forms = std::collections::BTreeMap::new();
        for r in rows {
            let id: String = r.try_get(0)?;
            let valeurs: String = r.try_get(2)?;
            let valeurs = match serde_json::from_str(&valeurs) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => return Err(StoreError::Corrupt(format!("formulaire du document {id}"))),
            };
            forms.insert(
                id,
                FormulaireSigne {
                    plugin: r.try_get(1)?,
                    valeurs,
                },
            );
        }
        self.trace(
            actor,
            "document.formulaires",
            Some(patient_id),
            &format!("{} formulaire(s)", forms.len()),
        )
        .await?;
        Ok(forms)
    }

    /// The form a document was signed from (`None` for a document not
    /// produced by a plugin here); traced as `document.formulaire`.
    pub async fn document_form(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<(DocumentMeta, Option<FormulaireSigne>)> {
        self.verifier_portee(actor, crate::portee::Cible::Document(id))
            .await?;

        let (m, form) = {
            let mut c = self.pool.acquire().await?;
            let m = fetch_meta(&mut c, id).await?;
            let form = forms_of(&mut c, &[id.to_string()]).await?.remove(id);
            (m, form)
        };
        self.trace(actor, "document.formulaire", Some(&m.patient_id), id)
            .await?;
        Ok((m, form))
    }

    /// One document with its bytes; traced as `document.lecture`.
    pub async fn document(&self, actor: &Actor, id: &str) -> Result<(DocumentMeta, Vec<u8>)> {
        self.verifier_portee(actor, crate::portee::Cible::Document(id))
            .await?;

        let (m, bytes) = {
            let mut c = self.pool.acquire().await?;
            let m = fetch_meta(&mut c, id).await?;
            let bytes: Vec<u8> =
                sqlx::query("SELECT bytes FROM document_content WHERE document_id = $1")
                    .bind(id.to_string())
                    .fetch_one(&mut *c)
                    .await?
                    .try_get(0)?;
            (m, bytes)
        };
        self.trace(actor, "document.lecture", Some(&m.patient_id), id)
            .await?;
        Ok((m, bytes))
    }
}
