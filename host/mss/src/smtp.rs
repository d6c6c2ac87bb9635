//! Sending over SMTP submission (RFC 5321, RFC 6409) with lettre:
//! STARTTLS first (refused without it), then the PSC token by the
//! mechanism the server announces once encrypted.

use crate::erreur::ErreurMss;
use crate::sasl::Mecanisme;
use crate::{Boite, Jeton, Securite};
use base64::Engine;
use esculape_transport::client::Confiance;
use lettre::address::Envelope;
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, Certificate, TlsParameters, TlsVersion,
};
use lettre::transport::smtp::extension::ClientId;

/// The trust of `securite` as lettre's TLS parameters: only the configured
/// authorities, TLS 1.2 at least.
fn parametres_tls(boite: &Boite, securite: &Securite) -> Result<TlsParameters, ErreurMss> {
    let serveur = boite.smtp.to_string();
    let tls = |raison: String| ErreurMss::Tls {
        serveur: serveur.clone(),
        raison,
    };
    let Confiance::Autorites(autorites) = &securite.confiance else {
        return Err(tls(
            "un serveur de messagerie se vérifie par les autorités de l'IGC-Santé, pas par une empreinte épinglée".into(),
        ));
    };
    if securite.identite.is_some() {
        // lettre takes a client identity in PEM only; the structure's
        // certificate towards an LPS interface goes through IMAP for now
        return Err(tls(
            "certificat de structure vers l'interface LPS en SMTP : pas encore pris en charge"
                .into(),
        ));
    }
    let mut b = TlsParameters::builder(boite.smtp.hote.clone())
        .certificate_store(lettre::transport::smtp::client::CertificateStore::None)
        .set_min_tls_version(TlsVersion::Tlsv12);
    for a in autorites {
        b = b.add_root_certificate(
            Certificate::from_der(a.to_vec()).map_err(|e| tls(e.to_string()))?,
        );
    }
    b.build_rustls().map_err(|e| tls(e.to_string()))
}

fn refus(serveur: &str, e: lettre::transport::smtp::Error) -> ErreurMss {
    if e.is_timeout() {
        return ErreurMss::Delai {
            serveur: serveur.into(),
        };
    }
    if e.is_permanent() || e.is_transient() {
        return ErreurMss::EnvoiRefuse {
            serveur: serveur.into(),
            raison: e.to_string(),
        };
    }
    ErreurMss::Protocole {
        serveur: serveur.into(),
        raison: e.to_string(),
    }
}

/// Sends `message` (RFC 5322 bytes) from the mailbox to `destinataires`;
/// the server's answer on acceptance.
pub async fn envoyer(
    boite: &Boite,
    securite: &Securite,
    jeton: &Jeton,
    destinataires: &[String],
    message: &[u8],
) -> Result<String, ErreurMss> {
    let serveur = boite.smtp.to_string();
    let enveloppe = Envelope::new(
        Some(
            boite
                .adresse
                .parse()
                .map_err(|e| ErreurMss::Message(format!("expéditeur {} : {e}", boite.adresse)))?,
        ),
        destinataires
            .iter()
            .map(|d| {
                d.parse()
                    .map_err(|e| ErreurMss::Message(format!("destinataire {d} : {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?,
    )
    .map_err(|e| ErreurMss::Message(e.to_string()))?;
    let tls = parametres_tls(boite, securite)?;
    // the name said in EHLO: the sender's domain (the desktop's host name
    // says nothing to the operator and may name the practice's machine)
    let domaine = boite
        .adresse
        .rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_else(|| "localhost".into());
    let bonjour = ClientId::Domain(domaine.clone());
    let mut c = AsyncSmtpConnection::connect_tokio1(
        (boite.smtp.hote.as_str(), boite.smtp.port),
        Some(securite.delai),
        &bonjour,
        None,
        None,
    )
    .await
    .map_err(|e| {
        if e.is_timeout() {
            ErreurMss::Delai {
                serveur: serveur.clone(),
            }
        } else {
            ErreurMss::Injoignable {
                serveur: serveur.clone(),
                raison: e.to_string(),
            }
        }
    })?;
    if !c.can_starttls() {
        c.abort().await;
        return Err(ErreurMss::SansChiffrement { serveur });
    }
    if let Err(e) = c.starttls(tls, &bonjour).await {
        // no QUIT: after a failed handshake lettre holds no stream any more
        drop(c);
        let source: &(dyn std::error::Error + 'static) = &e;
        return Err(crate::erreur::tls(&serveur, source));
    }
    // lettre keeps only the mechanisms it knows: the EHLO answer is read
    // here for OAUTHBEARER and XOAUTH2
    let ehlo = c
        .command(format!("EHLO {domaine}\r\n"))
        .await
        .map_err(|e| refus(&serveur, e))?;
    let annonces: Vec<String> = ehlo
        .message()
        .filter_map(|l| {
            let l = l.trim();
            l.get(..5)
                .filter(|p| p.eq_ignore_ascii_case("AUTH "))
                .map(|_| l[5..].to_string())
        })
        .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    let Some(mecanisme) = Mecanisme::choisir(annonces.iter().map(String::as_str)) else {
        c.abort().await;
        return Err(ErreurMss::SansPsc { serveur });
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let premier = b64.encode(mecanisme.reponse_initiale(
        &boite.adresse,
        &boite.smtp.hote,
        boite.smtp.port,
        jeton,
    ));
    let refusee = || ErreurMss::Refusee {
        serveur: serveur.clone(),
        adresse: boite.adresse.clone(),
    };
    match c
        .command(format!("AUTH {} {premier}\r\n", mecanisme.nom()))
        .await
    {
        Ok(r) if r.has_code(334) => {
            // the error challenge: answered so that the server ends the exchange
            let _ = c
                .command(format!(
                    "{}\r\n",
                    b64.encode(mecanisme.reponse_a_une_erreur())
                ))
                .await;
            c.abort().await;
            return Err(refusee());
        }
        Ok(_) => {}
        Err(e) if e.is_permanent() => {
            c.abort().await;
            return Err(refusee());
        }
        Err(e) => {
            c.abort().await;
            return Err(refus(&serveur, e));
        }
    }
    let reponse = match c.send(&enveloppe, message).await {
        Ok(r) => r,
        Err(e) => {
            c.abort().await;
            return Err(refus(&serveur, e));
        }
    };
    let _ = c.quit().await;
    Ok(reponse.message().collect::<Vec<_>>().join(" "))
}
