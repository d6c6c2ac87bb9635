//! The INSi answer `RESULTAT`: what the sandbox writes, what the host reads.

use crate::tree;
use crate::write::Xml;
use crate::*;

pub use esculape_api_types::insi::{CodeCr, Individu, Ins, TraitsInsi};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Resultat {
    pub code: CodeCr,
    pub libelle: String,
    pub individu: Option<Individu>,
}

/// Read an answer; a SOAP fault becomes [`InsiError::Fault`].
pub fn parse(xml: &str) -> Result<Resultat> {
    let root = tree::parse(xml)?;
    if let Some(f) = root.find(SOAP_NS, "Fault") {
        let code = f
            .child("Code")
            .and_then(|c| c.text_of("Value"))
            .unwrap_or_default();
        let sub = f
            .child("Code")
            .and_then(|c| c.child("Subcode"))
            .and_then(|c| c.text_of("Value"));
        let reason = f
            .child("Reason")
            .and_then(|r| r.text_of("Text"))
            .unwrap_or_default();
        return Err(InsiError::Fault {
            code: sub.unwrap_or(code),
            reason,
        });
    }
    let r = root
        .find(NS_RESULTAT, "RESULTAT")
        .ok_or(InsiError::Missing("RESULTAT"))?;
    let cr = r.child("CR").ok_or(InsiError::Missing("CR"))?;
    let raw = cr.text_of("CodeCR").ok_or(InsiError::Missing("CodeCR"))?;
    let code = CodeCr::from_code(&raw)
        .ok_or_else(|| InsiError::Invalid(format!("code de compte rendu inconnu «{raw}»")))?;
    let individu = match r.child("INDIVIDU") {
        None => None,
        Some(i) => {
            let ins = |e: &tree::Element| -> Result<Ins> {
                let id = e
                    .child("IdIndividu")
                    .ok_or(InsiError::Missing("IdIndividu"))?;
                Ok(Ins {
                    numero: id
                        .text_of("NumIdentifiant")
                        .ok_or(InsiError::Missing("NumIdentifiant"))?,
                    cle: id.text_of("Cle"),
                    oid: e.text_of("OID").ok_or(InsiError::Missing("OID"))?,
                    date_debut: e.text_of("DateDeb"),
                    date_fin: e.text_of("DateFin"),
                })
            };
            let tiq = i.child("TIQ").ok_or(InsiError::Missing("TIQ"))?;
            let mut prenoms: Vec<String> = tiq
                .text_of("ListePrenom")
                .map(|l| l.split_whitespace().map(String::from).collect())
                .unwrap_or_default();
            if prenoms.is_empty() {
                prenoms.extend(tiq.text_of("Prenom"));
            }
            Some(Individu {
                ins: ins(i.child("INSACTIF").ok_or(InsiError::Missing("INSACTIF"))?)?,
                historique: i.children("INSHISTO").map(ins).collect::<Result<_>>()?,
                traits: TraitsInsi {
                    nom_naissance: tiq
                        .text_of("NomNaissance")
                        .ok_or(InsiError::Missing("NomNaissance"))?,
                    prenoms,
                    sexe: tiq.text_of("Sexe").ok_or(InsiError::Missing("Sexe"))?,
                    date_naissance: tiq
                        .text_of("DateNaissance")
                        .ok_or(InsiError::Missing("DateNaissance"))?,
                    lieu_naissance: tiq.text_of("LieuNaissance"),
                },
            })
        }
    };
    if code == CodeCr::Trouve && individu.is_none() {
        return Err(InsiError::Missing("INDIVIDU d'une réponse 00"));
    }
    Ok(Resultat {
        code,
        libelle: cr.text_of("LibelleCR").unwrap_or_default(),
        individu,
    })
}

/// The SOAP envelope of an answer, in the XSD's element order.
pub fn envelope(r: &Resultat) -> String {
    let mut x = Xml::envelope(false);
    x.open("RESULTAT", &[("xmlns", NS_RESULTAT)]);
    x.open("CR", &[]);
    x.leaf("CodeCR", &[], r.code.code());
    x.leaf("LibelleCR", &[], &r.libelle);
    x.close("CR");
    if let Some(i) = &r.individu {
        x.open("INDIVIDU", &[]);
        let ins = |x: &mut Xml, tag: &str, ins: &Ins| {
            x.open(tag, &[]);
            x.open("IdIndividu", &[]);
            x.leaf("NumIdentifiant", &[], &ins.numero);
            x.opt("Cle", ins.cle.as_deref());
            x.close("IdIndividu");
            x.leaf("OID", &[], &ins.oid);
            x.opt("DateDeb", ins.date_debut.as_deref());
            x.opt("DateFin", ins.date_fin.as_deref());
            x.close(tag);
        };
        ins(&mut x, "INSACTIF", &i.ins);
        for h in &i.historique {
            ins(&mut x, "INSHISTO", h);
        }
        let t = &i.traits;
        x.open("TIQ", &[]);
        x.leaf("NomNaissance", &[], &t.nom_naissance);
        x.opt("Prenom", t.prenoms.first().map(String::as_str));
        x.leaf("ListePrenom", &[], &t.prenoms.join(" "));
        x.leaf("Sexe", &[], &t.sexe);
        x.leaf("DateNaissance", &[], &t.date_naissance);
        x.opt("LieuNaissance", t.lieu_naissance.as_deref());
        x.close("TIQ");
        x.close("INDIVIDU");
    }
    x.close("RESULTAT");
    x.finish()
}

/// A SOAP 1.2 fault (`soap:Sender` or `soap:Receiver`, with the service's
/// own subcode and reason).
pub fn fault(sender: bool, subcode: &str, reason: &str) -> String {
    let mut x = Xml::envelope(false);
    x.open("soap:Fault", &[]);
    x.open("soap:Code", &[]);
    let value = if sender {
        "soap:Sender"
    } else {
        "soap:Receiver"
    };
    x.leaf("soap:Value", &[], value);
    x.open("soap:Subcode", &[]);
    x.leaf("soap:Value", &[], subcode);
    x.close("soap:Subcode");
    x.close("soap:Code");
    x.open("soap:Reason", &[]);
    x.leaf("soap:Text", &[("xml:lang", "fr")], reason);
    x.close("soap:Reason");
    x.close("soap:Fault");
    x.finish()
}
