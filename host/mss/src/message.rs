//! The MIME message of an MSSanté sending: one patient per message, the
//! CDA documents in one IHE_XDM.ZIP and the same documents as PDF, a text
//! body, the threading headers, and the statistical `X-MSS-*` headers the
//! ANS reads (invisible to the user: SC.MSS/CONF.22).

use crate::erreur::ErreurMss;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

/// The statistical headers.
pub const ENTETE_INS: &str = "X-MSS-INS";
pub const ENTETE_CODE_CDA: &str = "X-MSS-CODECDA";
pub const ENTETE_PRODUIT: &str = "X-MSS-NIL";

/// A file joined to the message.
#[derive(Debug, Clone)]
pub struct PieceJointe {
    pub nom: String,
    pub type_mime: String,
    pub octets: Vec<u8>,
}

/// What goes into one message.
#[derive(Debug, Clone)]
pub struct Envoi {
    pub de: String,
    pub a: Vec<String>,
    pub objet: String,
    pub corps: String,
    /// The IHE_XDM.ZIP of the documents, when CDA documents are sent.
    pub xdm: Option<Vec<u8>>,
    /// The CDA documents' codes (their header's `code`), one per document
    /// of the XDM.
    pub codes_cda: Vec<String>,
    /// Whether the patient's INS is qualified.
    pub ins_qualifie: bool,
    /// The same documents, readable by anyone: PDF/A-1.
    pub pdfs: Vec<PieceJointe>,
    /// The product's reference (`X-MSS-NIL`).
    pub reference_produit: String,
    /// The message answered (its Message-ID), to keep the conversation.
    pub en_reponse_a: Option<String>,
    /// Ask the recipient's client for a read notification (RFC 8098).
    pub accuse_de_lecture: bool,
}

/// The message's id (`<…@domain>`, to find it again and thread answers)
/// and its RFC 5322 bytes (UTF-8, attachments in base64).
pub fn composer(e: &Envoi, id: &str) -> Result<Vec<u8>, ErreurMss> {
    if e.a.is_empty() {
        return Err(ErreurMss::Message("aucun destinataire".into()));
    }
    if e.xdm.is_some() && e.codes_cda.is_empty() {
        return Err(ErreurMss::Message(
            "une archive IHE_XDM sans le code de ses documents".into(),
        ));
    }
    let boite = |a: &str| {
        a.parse::<Mailbox>()
            .map_err(|err| ErreurMss::Message(format!("adresse {a} : {err}")))
    };
    let mut b = lettre::Message::builder()
        .from(boite(&e.de)?)
        .subject(e.objet.clone())
        .message_id(Some(id.to_string()))
        .date_now();
    for a in &e.a {
        b = b.to(boite(a)?);
    }
    if let Some(r) = &e.en_reponse_a {
        b = b.in_reply_to(r.clone()).references(r.clone());
    }
    if e.accuse_de_lecture {
        b = b.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Disposition-Notification-To"),
            e.de.clone(),
        ));
    }
    b = b.raw_header(HeaderValue::new(
        HeaderName::new_from_ascii_str(ENTETE_PRODUIT),
        e.reference_produit.clone(),
    ));
    if e.xdm.is_some() {
        b = b
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str(ENTETE_INS),
                if e.ins_qualifie { "O" } else { "N" }.into(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str(ENTETE_CODE_CDA),
                e.codes_cda.join(", "),
            ));
    }
    let mut parties = MultiPart::mixed().singlepart(SinglePart::plain(e.corps.clone()));
    let type_mime = |t: &str| {
        ContentType::parse(t).map_err(|err| ErreurMss::Message(format!("type {t} : {err}")))
    };
    if let Some(xdm) = &e.xdm {
        parties = parties.singlepart(
            Attachment::new("IHE_XDM.ZIP".into()).body(xdm.clone(), type_mime("application/zip")?),
        );
    }
    for p in &e.pdfs {
        parties = parties.singlepart(
            Attachment::new(p.nom.clone()).body(p.octets.clone(), type_mime(&p.type_mime)?),
        );
    }
    let m = b
        .multipart(parties)
        .map_err(|err| ErreurMss::Message(err.to_string()))?;
    Ok(m.formatted())
}

/// Whether `a` is a bare mailbox address as a message will carry it
/// (lettre's parser, the one `composer` uses), its domain with a dot.
pub fn adresse_valide(a: &str) -> bool {
    a.len() <= 254
        && a.parse::<lettre::Address>()
            .is_ok_and(|x| x.domain().contains('.'))
}

/// A new Message-ID in the sender's domain.
pub fn nouvel_id(de: &str, unique: &str) -> String {
    let domaine = de.rsplit_once('@').map(|(_, d)| d).unwrap_or("localhost");
    format!("<{unique}@{domaine}>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_addresses_with_a_domain_are_taken() {
        assert!(adresse_valide("anne.doc@medecin.mssante.fr"));
        for x in [
            "anne",
            "@mssante.fr",
            "a@b",
            "a b@mssante.fr",
            "a@b@mssante.fr",
            "<a@mssante.fr>",
            "Anne <a@mssante.fr>",
            "a@mssante.fr,b@mssante.fr",
        ] {
            assert!(!adresse_valide(x), "{x}");
        }
    }

    fn envoi() -> Envoi {
        Envoi {
            de: "kit.doc@mss.esculape.test".into(),
            a: vec!["anne.doc@mss.esculape.test".into()],
            objet: "Lettre d'adressage – Élodie".into(),
            corps: "Bonjour,\nci-joint.".into(),
            xdm: Some(b"PK zip".to_vec()),
            codes_cda: vec!["11488-4".into(), "34133-9".into()],
            ins_qualifie: true,
            pdfs: vec![PieceJointe {
                nom: "lettre.pdf".into(),
                type_mime: "application/pdf".into(),
                octets: b"%PDF-1.4".to_vec(),
            }],
            reference_produit: "ESCULAPE-0.1".into(),
            en_reponse_a: Some("<a@b>".into()),
            accuse_de_lecture: true,
        }
    }

    #[test]
    fn the_message_carries_the_statistical_headers_the_threading_and_both_forms_of_the_documents() {
        let m = composer(&envoi(), "<1@mss.esculape.test>").unwrap();
        let t = String::from_utf8_lossy(&m);
        for attendu in [
            "X-MSS-INS: O\r\n",
            "X-MSS-CODECDA: 11488-4, 34133-9\r\n",
            "X-MSS-NIL: ESCULAPE-0.1\r\n",
            "Message-ID: <1@mss.esculape.test>\r\n",
            "In-Reply-To: <a@b>\r\n",
            "Disposition-Notification-To: kit.doc@mss.esculape.test\r\n",
            "filename=\"IHE_XDM.ZIP\"",
            "filename=\"lettre.pdf\"",
            "Content-Type: application/zip",
        ] {
            assert!(t.contains(attendu), "{attendu} absent de :\n{t}");
        }
    }

    #[test]
    fn without_cda_no_cda_header_and_without_recipient_nothing() {
        let mut e = envoi();
        e.xdm = None;
        e.codes_cda.clear();
        let t = String::from_utf8(composer(&e, "<2@x>").unwrap()).unwrap();
        assert!(!t.contains("X-MSS-CODECDA") && !t.contains("X-MSS-INS"));
        e.a.clear();
        assert!(composer(&e, "<3@x>").is_err());
        let mut e = envoi();
        e.codes_cda.clear();
        assert!(composer(&e, "<4@x>").is_err());
    }
}
