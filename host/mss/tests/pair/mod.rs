//! The MSSanté operator's servers, real and started on free ports: Dovecot
//! (IMAP, and its submission service for SMTP) authenticating by the PSC
//! tokens it introspects at the OpenID provider, TLS from a test
//! authority; and the relay Dovecot's submission hands messages to, which
//! delivers them into the recipients' maildirs (the role Postfix or LMTP
//! plays at an operator).

#![allow(dead_code)]

use esculape_mss::{Boite, Serveur};
use esculape_transport::essai::AutoriteDeTest;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub const DOMAINE: &str = "mss.esculape.test";

pub fn adresse(id_national: &str) -> String {
    format!("{id_national}@{DOMAINE}")
}

/// Messages the relay delivered: (recipients, bytes).
pub type Relayes = Arc<Mutex<Vec<(Vec<String>, Vec<u8>)>>>;

/// Dovecot and its relay, stopped when dropped.
pub struct Operateur {
    dovecot: Child,
    dossier: tempfile::TempDir,
    pub imap: u16,
    pub smtp: u16,
    /// The relay's port (an SMTP server without STARTTLS).
    pub relais: u16,
    pub relayes: Relayes,
    pub autorite: AutoriteDeTest,
}

impl Drop for Operateur {
    fn drop(&mut self) {
        let _ = self.dovecot.kill();
        let _ = self.dovecot.wait();
    }
}

fn ecrire(chemin: &Path, texte: &str) {
    std::fs::write(chemin, texte).expect("écriture de la configuration");
}

/// The mail processes' user: Dovecot refuses root; nobody owns nothing.
const UID_COURRIER: u32 = 65534;

impl Operateur {
    /// `emetteur`: the OpenID provider whose tokens Dovecot introspects.
    pub async fn demarrer(emetteur: &str) -> Self {
        assert!(
            Path::new("/usr/sbin/dovecot").exists(),
            "Dovecot absent : lancez `cargo xtask setup` (paquets dovecot-imapd dovecot-submissiond)"
        );
        let dossier = tempfile::tempdir().expect("dossier temporaire");
        let d = dossier.path();
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        let courrier = d.join("courrier");
        std::fs::create_dir(&courrier).unwrap();
        std::fs::set_permissions(&courrier, std::fs::Permissions::from_mode(0o777)).unwrap();
        let autorite = AutoriteDeTest::nouvelle("IGC-Santé (essai MSSanté)").unwrap();
        let serveur = autorite
            .emettre(&["localhost".into(), "127.0.0.1".into()])
            .unwrap();
        ecrire(&d.join("serveur.pem"), &serveur.certificat_pem);
        ecrire(&d.join("serveur.key"), &serveur.cle_pem);

        let relayes = Arc::new(Mutex::new(Vec::new()));
        let relais = relais(courrier.clone(), relayes.clone()).await;
        let imap = port_libre();
        let smtp = port_libre();
        let emetteur = emetteur.trim_start_matches("http://");
        ecrire(
            &d.join("oauth2.conf.ext"),
            &format!(
                "introspection_mode = post\n\
                 introspection_url = http://messagerie:secret-messagerie@{emetteur}/token/introspection\n\
                 username_attribute = sub\n\
                 active_attribute = active\n\
                 active_value = true\n"
            ),
        );
        let d_ = d.display();
        let c_ = courrier.display();
        ecrire(
            &d.join("dovecot.conf"),
            &format!(
                r#"base_dir = {d_}/run
state_dir = {d_}/etat
log_path = {d_}/dovecot.log
protocols = imap submission
listen = 127.0.0.1
ssl = required
ssl_cert = <{d_}/serveur.pem
ssl_key = <{d_}/serveur.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = oauthbearer xoauth2
# the tests' refusals would otherwise wait for Dovecot's brute-force
# penalty (2, 4, 8, 15 s per failure from one address)
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
# the mailbox address's local part is the professional's national id
auth_username_format = %Ln
mail_location = maildir:{c_}/%u
default_internal_user = dovecot
default_login_user = dovenull
default_internal_group = dovecot
first_valid_uid = 100
hostname = {DOMAINE}
submission_relay_host = 127.0.0.1
submission_relay_port = {relais}
submission_relay_trusted = yes
service imap-login {{
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = {smtp}
  }}
}}
passdb {{
  driver = oauth2
  mechanisms = oauthbearer xoauth2
  args = {d_}/oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid={UID_COURRIER} gid={UID_COURRIER} home={c_}/%u
}}
"#
            ),
        );
        let dovecot = Command::new("/usr/sbin/dovecot")
            .arg("-c")
            .arg(d.join("dovecot.conf"))
            .arg("-F")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dovecot");
        let mut o = Self {
            dovecot,
            dossier,
            imap,
            smtp,
            relais,
            relayes,
            autorite,
        };
        o.attendre().await;
        o
    }

    async fn attendre(&mut self) {
        for _ in 0..100 {
            if let Ok(Some(s)) = self.dovecot.try_wait() {
                panic!("dovecot arrêté ({s}) : {}", self.journal());
            }
            let ok = tokio::net::TcpStream::connect(("127.0.0.1", self.imap))
                .await
                .is_ok()
                && tokio::net::TcpStream::connect(("127.0.0.1", self.smtp))
                    .await
                    .is_ok();
            if ok {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("dovecot n'écoute pas : {}", self.journal());
    }

    pub fn journal(&self) -> String {
        std::fs::read_to_string(self.dossier.path().join("dovecot.log")).unwrap_or_default()
    }

    /// A message delivered straight into a mailbox (as the operator's
    /// delivery agent would).
    pub fn deposer(&self, id_national: &str, octets: &[u8]) {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        livrer(
            &self.dossier.path().join("courrier"),
            &adresse(id_national),
            octets,
            &format!("depot{}", N.fetch_add(1, Ordering::Relaxed)),
        );
    }

    pub fn boite(&self, id_national: &str) -> Boite {
        Boite {
            adresse: adresse(id_national),
            imap: Serveur {
                hote: "localhost".into(),
                port: self.imap,
            },
            smtp: Serveur {
                hote: "localhost".into(),
                port: self.smtp,
            },
        }
    }

    pub fn confiance(&self) -> esculape_transport::client::Confiance {
        esculape_transport::client::Confiance::Autorites(
            esculape_transport::client::autorites_pem(
                self.autorite.certificat_pem().as_bytes(),
                "autorité d'essai",
            )
            .unwrap(),
        )
    }
}

pub use crate::commun::port_libre;

/// A minimal SMTP relay (RFC 5321's commands a relaying submission
/// server uses) that delivers each message into the recipients' maildirs.
async fn relais(courrier: PathBuf, relayes: Relayes) -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut n = 0u32;
        while let Ok((s, _)) = l.accept().await {
            let (r, mut w) = s.into_split();
            let mut r = BufReader::new(r);
            let courrier = courrier.clone();
            let relayes = relayes.clone();
            n += 1;
            let connexion = n;
            tokio::spawn(async move {
                let _ = w.write_all(b"220 relais ESMTP\r\n").await;
                let mut destinataires = Vec::new();
                let mut ligne = String::new();
                loop {
                    ligne.clear();
                    if r.read_line(&mut ligne).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let commande = ligne.trim_end().to_ascii_uppercase();
                    let reponse: &[u8] = if commande.starts_with("EHLO") {
                        b"250-relais\r\n250 8BITMIME\r\n"
                    } else if commande.starts_with("RCPT TO:") {
                        let a = ligne.trim_end()[8..].trim();
                        let a = a.split_whitespace().next().unwrap_or(a);
                        destinataires.push(a.trim_matches(|c| c == '<' || c == '>').to_string());
                        b"250 ok\r\n"
                    } else if commande == "DATA" {
                        let _ = w.write_all(b"354 suite\r\n").await;
                        let mut octets = Vec::new();
                        loop {
                            let mut l = Vec::new();
                            if tokio::io::AsyncBufReadExt::read_until(&mut r, b'\n', &mut l)
                                .await
                                .unwrap_or(0)
                                == 0
                            {
                                return;
                            }
                            if l == b".\r\n" {
                                break;
                            }
                            let l = if l.starts_with(b"..") {
                                &l[1..]
                            } else {
                                &l[..]
                            };
                            octets.extend_from_slice(l);
                        }
                        for (i, a) in destinataires.iter().enumerate() {
                            livrer(&courrier, a, &octets, &format!("{connexion}.{i}"));
                        }
                        relayes
                            .lock()
                            .unwrap()
                            .push((std::mem::take(&mut destinataires), octets));
                        b"250 livre\r\n"
                    } else if commande == "QUIT" {
                        let _ = w.write_all(b"221 au revoir\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = w.write_all(reponse).await;
                }
            });
        }
    });
    port
}

/// Maildir delivery: written in `tmp`, then moved into `new`.
fn livrer(courrier: &Path, adresse: &str, octets: &[u8], unique: &str) {
    let local = adresse
        .split('@')
        .next()
        .unwrap_or(adresse)
        .to_ascii_lowercase();
    let boite = courrier.join(local);
    for sous in ["", "tmp", "new", "cur"] {
        let p = boite.join(sous);
        let _ = std::fs::create_dir_all(&p);
        let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o777));
    }
    let nom = format!("{}.relais{unique}.{DOMAINE}", std::process::id());
    let tmp = boite.join("tmp").join(&nom);
    std::fs::write(&tmp, octets).unwrap();
    let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o666));
    std::fs::rename(&tmp, boite.join("new").join(&nom)).unwrap();
}

/// A name server for the operator's domain (UDP): the SRV records of RFC
/// 6186 pointing at this Dovecot; any other question: no such name.
pub async fn serveur_dns(enregistrements: Vec<(String, u16)>) -> std::net::SocketAddr {
    use hickory_proto::op::{Message, MessageType, ResponseCode};
    use hickory_proto::rr::rdata::SRV;
    use hickory_proto::rr::{Name, RData, Record, RecordType};
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let adresse = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut tampon = [0u8; 1500];
        while let Ok((n, de)) = socket.recv_from(&mut tampon).await {
            let Ok(question) = Message::from_vec(&tampon[..n]) else {
                continue;
            };
            let mut reponse = Message::new();
            reponse
                .set_id(question.id())
                .set_message_type(MessageType::Response)
                .set_authoritative(true)
                .set_recursion_available(true);
            for q in question.queries() {
                reponse.add_query(q.clone());
                let nom = q.name().to_ascii().to_ascii_lowercase();
                for (quel, port) in &enregistrements {
                    if q.query_type() == RecordType::SRV && nom == *quel {
                        reponse.add_answer(Record::from_rdata(
                            q.name().clone(),
                            60,
                            RData::SRV(SRV::new(
                                0,
                                1,
                                *port,
                                Name::from_ascii("localhost.").unwrap(),
                            )),
                        ));
                    }
                }
            }
            if reponse.answers().is_empty() {
                reponse.set_response_code(ResponseCode::NXDomain);
            }
            if let Ok(octets) = reponse.to_vec() {
                let _ = socket.send_to(&octets, de).await;
            }
        }
    });
    adresse
}
