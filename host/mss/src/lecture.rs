//! A received message read without trusting it (mail-parser): who sent
//! it, its subject and thread, its text, its attachments decoded, the
//! IHE_XDM.ZIP among them, and the `X-MSS-*` headers. Bounded in size and
//! in number of attachments.

use crate::erreur::ErreurMss;
use crate::message::PieceJointe;
use mail_parser::{MessageParser, MimeHeaders};

/// The largest message read: the one the IMAP reader fetches.
pub const TAILLE_MAX: usize = crate::imap::TAILLE_MAX as usize;
/// The most attachments read from one message.
pub const PIECES_MAX: usize = 100;

#[derive(Debug, Clone)]
pub struct MessageLu {
    pub id: Option<String>,
    /// The sender's address.
    pub de: Option<String>,
    pub objet: String,
    pub en_reponse_a: Option<String>,
    /// The first text body.
    pub texte: String,
    pub pieces: Vec<PieceJointe>,
    /// Every `X-MSS-*` header: (name, value).
    pub entetes_mss: Vec<(String, String)>,
}

impl MessageLu {
    /// The IHE_XDM.ZIP joined, if any (by its name, any case, or a zip
    /// whose name says XDM).
    pub fn xdm(&self) -> Option<&PieceJointe> {
        self.pieces.iter().find(|p| {
            let n = p.nom.to_ascii_uppercase();
            n == "IHE_XDM.ZIP" || (n.ends_with(".ZIP") && n.contains("XDM"))
        })
    }

    pub fn entete_mss(&self, nom: &str) -> Option<&str> {
        self.entetes_mss
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(nom))
            .map(|(_, v)| v.as_str())
    }
}

pub fn lire(octets: &[u8]) -> Result<MessageLu, ErreurMss> {
    if octets.len() > TAILLE_MAX {
        return Err(ErreurMss::Message(format!(
            "message de {} octets, au plus {TAILLE_MAX} sont lus",
            octets.len()
        )));
    }
    let m = MessageParser::default()
        .parse(octets)
        .ok_or_else(|| ErreurMss::Message("message illisible (MIME)".into()))?;
    if m.attachment_count() > PIECES_MAX {
        return Err(ErreurMss::Message(format!(
            "{} pièces jointes, au plus {PIECES_MAX} sont lues",
            m.attachment_count()
        )));
    }
    let pieces = m
        .attachments()
        .enumerate()
        .map(|(i, p)| PieceJointe {
            nom: p
                .attachment_name()
                .map(str::to_string)
                .unwrap_or_else(|| format!("piece-{}", i + 1)),
            type_mime: p
                .content_type()
                .map(|c| match c.subtype() {
                    Some(s) => format!("{}/{s}", c.ctype()),
                    None => c.ctype().to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".into()),
            octets: p.contents().to_vec(),
        })
        .collect();
    Ok(MessageLu {
        id: m.message_id().map(str::to_string),
        de: m
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_string),
        objet: m.subject().unwrap_or_default().to_string(),
        en_reponse_a: m.in_reply_to().as_text().map(str::to_string),
        texte: m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        pieces,
        entetes_mss: m
            .headers_raw()
            // by bytes: a header name may hold any UTF-8 (found by the fuzzer)
            .filter(|(n, _)| n.len() > 6 && n.as_bytes()[..6].eq_ignore_ascii_case(b"X-MSS-"))
            .map(|(n, v)| (n.to_string(), v.trim().to_string()))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Envoi, composer};

    #[test]
    fn what_we_compose_is_read_back_attachments_and_headers_included() {
        let e = Envoi {
            de: "a@x.test".into(),
            a: vec!["b@x.test".into()],
            objet: "Compte rendu – Zoé".into(),
            corps: "Bonjour".into(),
            xdm: Some(vec![0, 1, 2, 255, b'\r', b'\n', b'.']),
            codes_cda: vec!["11488-4".into()],
            ins_qualifie: false,
            pdfs: vec![],
            reference_produit: "P".into(),
            en_reponse_a: Some("<r@x.test>".into()),
            accuse_de_lecture: false,
        };
        let lu = lire(&composer(&e, "<1@x.test>").unwrap()).unwrap();
        assert_eq!(lu.objet, "Compte rendu – Zoé");
        assert_eq!(lu.id.as_deref(), Some("1@x.test"));
        assert_eq!(lu.en_reponse_a.as_deref(), Some("r@x.test"));
        assert_eq!(lu.de.as_deref(), Some("a@x.test"));
        assert_eq!(lu.texte.trim(), "Bonjour");
        assert_eq!(
            lu.xdm().unwrap().octets,
            vec![0, 1, 2, 255, b'\r', b'\n', b'.']
        );
        assert_eq!(lu.entete_mss("x-mss-ins"), Some("N"));
        assert_eq!(lu.entete_mss("X-MSS-CODECDA"), Some("11488-4"));
    }

    #[test]
    fn garbage_and_oversized_messages_are_refused_in_french() {
        assert!(lire(&vec![b'a'; TAILLE_MAX + 1]).is_err());
        // mail-parser reads almost anything as a message: what matters is
        // that nothing panics and no attachment is invented
        let lu = lire(b"\xff\xfe\x00garbage").unwrap();
        assert!(lu.pieces.is_empty());
        // a header name whose sixth byte is inside a character
        let lu = lire("X-MSSé: 1\r\nX-MSS-INS: O\r\n\r\ncorps".as_bytes()).unwrap();
        assert_eq!(
            lu.entetes_mss,
            vec![("X-MSS-INS".to_string(), "O".to_string())]
        );
    }
}
