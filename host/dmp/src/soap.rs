//! SOAP 1.2 envelopes as the DMP takes them: WS-Addressing (`MessageID`,
//! `To`, `ReplyTo` anonymous, `Action`) and `wsse:Security` holding the
//! signed VIHF; and the reading of a SOAP fault.

use quick_xml::events::Event;

pub const SOAP: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const WSA: &str = "http://www.w3.org/2005/08/addressing";
pub const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";

/// Largest answer read (a TD3.1 over a DMP of hundreds of documents is a
/// few MB; a TD3.2 document comes as an MTOM part, read apart).
pub const TAILLE_MAX: usize = 64 << 20;

fn echapper(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// The HTTP Content-Type of a SOAP 1.2 request for `action`.
pub fn type_contenu(action: &str) -> String {
    format!("application/soap+xml; charset=utf-8; action=\"{action}\"")
}

/// The envelope of a request: `action` (the WSDL's), `a` (the endpoint's
/// URL), the signed VIHF and the body's element. Returns the
/// `MessageID` with it (the answer's `RelatesTo`).
pub fn enveloppe(action: &str, a: &str, vihf_signe: &str, corps: &str) -> (String, String) {
    let id = format!("urn:uuid:{}", crate::uuid());
    let xml = format!(
        "<soap:Envelope xmlns:soap=\"{SOAP}\"><soap:Header>\
<MessageID xmlns=\"{WSA}\">{id}</MessageID>\
<To xmlns=\"{WSA}\">{}</To>\
<ReplyTo xmlns=\"{WSA}\" soap:mustUnderstand=\"true\"><Address>http://www.w3.org/2005/08/addressing/anonymous</Address></ReplyTo>\
<Action xmlns=\"{WSA}\" soap:mustUnderstand=\"true\">{}</Action>\
<wsse:Security xmlns:wsse=\"{WSSE}\">{vihf_signe}</wsse:Security>\
</soap:Header><soap:Body>{corps}</soap:Body></soap:Envelope>",
        echapper(a),
        echapper(action)
    );
    (id, xml)
}

/// A SOAP fault: its code, subcode (the DMP's error, e.g.
/// `DMPInvalidCertificate`) and reason.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Faute {
    pub code: String,
    pub sous_code: Option<String>,
    pub raison: String,
}

impl std::fmt::Display for Faute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.sous_code {
            Some(s) => write!(f, "{} ({s}) : {}", self.code, self.raison),
            None => write!(f, "{} : {}", self.code, self.raison),
        }
    }
}

/// The fault of an answer, if it is one.
pub fn faute(xml: &[u8]) -> Option<Faute> {
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut dans = false;
    let mut f = Faute::default();
    let mut chemin: Vec<String> = Vec::new();
    loop {
        match r.read_event_into(&mut buf).ok()? {
            Event::Start(e) => {
                let n = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if n == "Fault" {
                    dans = true;
                }
                chemin.push(n);
            }
            Event::End(e) => {
                chemin.pop();
                if e.local_name().as_ref() == b"Fault" {
                    return Some(f);
                }
            }
            Event::Text(t) if dans => {
                let t = t.decode().ok()?.trim().to_string();
                if t.is_empty() {
                    continue;
                }
                let n = chemin.iter().map(String::as_str).collect::<Vec<_>>();
                match n.as_slice() {
                    [.., "Subcode", "Value"] => f.sous_code = Some(t),
                    [.., "Code", "Value"] => f.code = t,
                    [.., "Reason", "Text"] => f.raison.push_str(&t),
                    _ => {}
                }
            }
            Event::Eof => return dans.then_some(f),
            _ => {}
        }
        buf.clear();
    }
}

/// The text of a text event, or of a character or predefined entity
/// reference (quick-xml gives them apart); other events give nothing.
pub(crate) fn texte(ev: &Event<'_>) -> Result<String, String> {
    match ev {
        Event::Text(t) => Ok(t.decode().map_err(|e| e.to_string())?.into_owned()),
        Event::GeneralRef(g) => {
            if let Some(c) = g.resolve_char_ref().map_err(|e| e.to_string())? {
                return Ok(c.to_string());
            }
            let nom = String::from_utf8_lossy(g);
            quick_xml::escape::resolve_predefined_entity(&nom)
                .map(str::to_string)
                .ok_or_else(|| format!("entité inconnue &{nom};"))
        }
        _ => Ok(String::new()),
    }
}
