//! A mailbox's servers found from its address (SC.MSS/CONF.04): the DNS SRV
//! records of its domain (RFC 6186: `_imap._tcp` and `_submission._tcp`,
//! both spoken with STARTTLS), so that the doctor types nothing else.

use crate::erreur::ErreurMss;
use crate::{Boite, Serveur};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;
use std::net::SocketAddr;

/// One SRV record as read: priority, weight, port, target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srv {
    pub priorite: u16,
    pub poids: u16,
    pub port: u16,
    pub cible: String,
}

/// The server to use among a service's records (RFC 2782): the lowest
/// priority, then the highest weight (deterministic: the operator is asked
/// once, not load-balanced by each client); a target of "." says the
/// service is not offered.
pub fn choisir(enregistrements: &[Srv]) -> Option<Serveur> {
    let meilleur = enregistrements
        .iter()
        .min_by_key(|s| (s.priorite, std::cmp::Reverse(s.poids)))?;
    let cible = meilleur.cible.trim_end_matches('.');
    if cible.is_empty() || meilleur.port == 0 {
        return None;
    }
    Some(Serveur {
        hote: cible.to_string(),
        port: meilleur.port,
    })
}

/// Who answers DNS questions.
pub struct Resolveur(TokioResolver);

impl Resolveur {
    /// The machine's resolver (`/etc/resolv.conf`, the registry on Windows).
    pub fn systeme() -> Result<Self, ErreurMss> {
        Ok(Self(
            TokioResolver::builder_tokio()
                .map_err(|e| ErreurMss::Autoconfiguration(format!("résolveur DNS : {e}")))?
                .build(),
        ))
    }

    /// One given name server (a structure's own, a test's).
    pub fn serveur(adresse: SocketAddr) -> Self {
        let config = ResolverConfig::from_parts(
            None,
            vec![],
            NameServerConfigGroup::from_ips_clear(&[adresse.ip()], adresse.port(), true),
        );
        Self(TokioResolver::builder_with_config(config, TokioConnectionProvider::default()).build())
    }

    async fn srv(&self, nom: &str) -> Vec<Srv> {
        match self.0.srv_lookup(nom).await {
            Ok(r) => r
                .iter()
                .map(|s| Srv {
                    priorite: s.priority(),
                    poids: s.weight(),
                    port: s.port(),
                    cible: s.target().to_ascii(),
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// The mailbox of `adresse` with the servers its domain announces.
pub async fn decouvrir(adresse: &str, resolveur: &Resolveur) -> Result<Boite, ErreurMss> {
    let domaine = adresse
        .rsplit_once('@')
        .map(|(_, d)| d.trim().trim_end_matches('.'))
        .filter(|d| !d.is_empty() && d.len() <= 253)
        .ok_or_else(|| {
            ErreurMss::Autoconfiguration(format!(
                "« {adresse} » n'est pas une adresse de messagerie"
            ))
        })?;
    let trouver = |service: &'static str| async move {
        choisir(&resolveur.srv(&format!("_{service}._tcp.{domaine}.")).await).ok_or_else(|| {
            ErreurMss::Autoconfiguration(format!(
                "le domaine {domaine} n'annonce pas de serveur {} (enregistrement DNS _{service}._tcp) : saisissez les serveurs indiqués par votre opérateur MSSanté",
                if service == "imap" { "IMAP" } else { "d'envoi (SMTP)" }
            ))
        })
    };
    Ok(Boite {
        adresse: adresse.trim().to_string(),
        imap: trouver("imap").await?,
        smtp: trouver("submission").await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn srv(priorite: u16, poids: u16, port: u16, cible: &str) -> Srv {
        Srv {
            priorite,
            poids,
            port,
            cible: cible.into(),
        }
    }

    #[test]
    fn the_lowest_priority_then_the_heaviest_weight_and_a_dot_means_none() {
        let s = choisir(&[
            srv(20, 100, 143, "secours.example."),
            srv(10, 1, 143, "leger.example."),
            srv(10, 50, 1143, "imap.example."),
        ])
        .unwrap();
        assert_eq!((s.hote.as_str(), s.port), ("imap.example", 1143));
        assert_eq!(choisir(&[srv(0, 0, 0, ".")]), None);
        assert_eq!(choisir(&[]), None);
    }
}
