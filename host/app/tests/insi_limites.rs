//! The INSi client reads an answer within the reader's size bound: a
//! service (or a man in the middle) that sends an endless answer, with or
//! without announcing its length, gets a French refusal, not the host's
//! memory.

use esculape_app::insi::{Appelant, InsiClient, InsiConfig, InsiFailure};
use esculape_insi::{InsiError, Recherche, TAILLE_MAX, Traits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A one-shot HTTP server answering about `body_len` bytes of XML, with
/// its length announced, or chunked when `annonce` is false (and then
/// without end when `body_len` is over the bound).
async fn serveur(body_len: usize, annonce: bool) -> String {
    let sans_fin = !annonce && body_len > TAILLE_MAX;
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut buf = vec![0u8; 64 * 1024];
        let _ = s.read(&mut buf).await;
        let body = format!(
            "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><!--{}-->",
            "a".repeat(body_len)
        );
        let head = if annonce {
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/soap+xml\r\ncontent-length: {}\r\n\r\n",
                body.len()
            )
        } else {
            "HTTP/1.1 200 OK\r\ncontent-type: application/soap+xml\r\ntransfer-encoding: chunked\r\n\r\n".into()
        };
        let _ = s.write_all(head.as_bytes()).await;
        if annonce {
            let _ = s.write_all(body.as_bytes()).await;
        } else {
            // The body, then (for an endless answer) the same chunk until
            // the client hangs up: only a client that stops reading ends it.
            let mut parts = body.as_bytes().chunks(16 * 1024).map(<[u8]>::to_vec);
            let filler = vec![b'a'; 16 * 1024];
            loop {
                let part = match parts.next() {
                    Some(p) => p,
                    None if sans_fin => filler.clone(),
                    None => break,
                };
                let chunk = format!("{:x}\r\n", part.len());
                if s.write_all(chunk.as_bytes()).await.is_err()
                    || s.write_all(&part).await.is_err()
                    || s.write_all(b"\r\n").await.is_err()
                {
                    return;
                }
            }
            let _ = s.write_all(b"0\r\n\r\n").await;
        }
    });
    format!("http://{addr}/insi")
}

async fn interroger(url: String) -> Result<esculape_insi::Resultat, InsiFailure> {
    // A client that read without bound would wait for the end of an
    // endless answer until this delay, and fail on it rather than on the
    // size.
    let client = InsiClient::new(InsiConfig {
        url,
        lecteur: None,
        timeout: std::time::Duration::from_secs(8),
        ..InsiConfig::from_env()
    });
    client
        .rechercher(
            &Appelant::default(),
            &Recherche::Traits(Traits {
                nom_naissance: "DUPONT".into(),
                prenoms: vec!["HELENE".into()],
                sexe: "F".into(),
                date_naissance: "1980-02-03".into(),
                lieu_naissance: None,
            }),
        )
        .await
}

#[tokio::test]
async fn an_endless_answer_is_cut_off_with_a_french_error() {
    for annonce in [true, false] {
        let r = interroger(serveur(4 * TAILLE_MAX, annonce).await).await;
        match r {
            Err(e @ InsiFailure::Service(InsiError::Limite(_))) => {
                assert!(e.to_string().contains("hors limites"), "{e}")
            }
            other => panic!("content-length announced {annonce}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_answer_within_the_bound_reaches_the_reader() {
    // Read in full, then refused by the XML reader for what it is (no
    // RESULTAT), not for its size.
    let r = interroger(serveur(1024, false).await).await;
    match r {
        Err(InsiFailure::Service(e)) => {
            assert!(!matches!(e, InsiError::Limite(_)), "{e}")
        }
        other => panic!("{other:?}"),
    }
}
