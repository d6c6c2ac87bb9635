//! The two SASL mechanisms that carry an OAuth bearer token to a mail
//! server: OAUTHBEARER (RFC 7628) and Google's XOAUTH2, which MSSanté
//! operators also accept. Pure: what is said, not how it is sent.

use crate::Jeton;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mecanisme {
    Oauthbearer,
    Xoauth2,
}

impl Mecanisme {
    pub fn nom(self) -> &'static str {
        match self {
            Self::Oauthbearer => "OAUTHBEARER",
            Self::Xoauth2 => "XOAUTH2",
        }
    }

    /// The mechanism to use among those a server announces (IMAP
    /// `AUTH=X` capabilities or SMTP `AUTH X Y` words, case-insensitive):
    /// OAUTHBEARER when offered, the standard one.
    pub fn choisir<'a>(annonces: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let mut trouve = None;
        for a in annonces {
            if a.eq_ignore_ascii_case("OAUTHBEARER") {
                return Some(Self::Oauthbearer);
            }
            if a.eq_ignore_ascii_case("XOAUTH2") {
                trouve = Some(Self::Xoauth2);
            }
        }
        trouve
    }

    /// The client's first message (before base64).
    pub fn reponse_initiale(
        self,
        utilisateur: &str,
        hote: &str,
        port: u16,
        jeton: &Jeton,
    ) -> Vec<u8> {
        match self {
            // gs2 header with the authzid, then key=value pairs separated
            // by ^A (RFC 7628 §3.1); ',' and '=' escaped in the authzid
            Self::Oauthbearer => format!(
                "n,a={},\x01host={hote}\x01port={port}\x01auth=Bearer {}\x01\x01",
                utilisateur.replace('=', "=3D").replace(',', "=2C"),
                jeton.valeur()
            ),
            Self::Xoauth2 => format!(
                "user={utilisateur}\x01auth=Bearer {}\x01\x01",
                jeton.valeur()
            ),
        }
        .into_bytes()
    }

    /// What the client answers when the server sends its error challenge
    /// instead of a result: the server then fails the exchange.
    pub fn reponse_a_une_erreur(self) -> &'static [u8] {
        match self {
            Self::Oauthbearer => b"\x01",
            Self::Xoauth2 => b"",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_mechanism_is_preferred_and_only_bearer_mechanisms_are_chosen() {
        assert_eq!(
            Mecanisme::choisir(["PLAIN", "xoauth2", "OAUTHBEARER"]),
            Some(Mecanisme::Oauthbearer)
        );
        assert_eq!(
            Mecanisme::choisir(["PLAIN", "XOAUTH2"]),
            Some(Mecanisme::Xoauth2)
        );
        assert_eq!(Mecanisme::choisir(["PLAIN", "LOGIN"]), None);
    }

    #[test]
    fn the_first_messages_are_those_of_the_rfc_and_of_xoauth2() {
        let j = Jeton::new("vF9dft4qmT");
        // RFC 7628 §4.1's example, our host and port
        assert_eq!(
            Mecanisme::Oauthbearer.reponse_initiale("user@example.com", "server.example.com", 143, &j),
            b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmT\x01\x01"
        );
        assert_eq!(
            Mecanisme::Oauthbearer.reponse_initiale("a,b=c", "h", 1, &j)[..12],
            *b"n,a=a=2Cb=3D"
        );
        assert_eq!(
            Mecanisme::Xoauth2.reponse_initiale("someuser@example.com", "h", 1, &j),
            b"user=someuser@example.com\x01auth=Bearer vF9dft4qmT\x01\x01"
        );
        assert_eq!(Mecanisme::Oauthbearer.reponse_a_une_erreur(), b"\x01");
        assert!(Mecanisme::Xoauth2.reponse_a_une_erreur().is_empty());
    }
}
