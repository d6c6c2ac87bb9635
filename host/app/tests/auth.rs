//! The login provider against the real databases: a lockout that batches
//! of parallel attempts on two hosts cannot escape, one answer at one cost
//! for every refusal, rate limits, a bounded number of concurrent hashes,
//! and password changes that end the other sessions. On SQLite and
//! PostgreSQL.

use esculape_app::auth::{AuthError, Authentification, Identifiant, MotDePasseLocal, Session};
use esculape_store::Acteur as _;
use esculape_store::accounts::UserChanges;
use esculape_store::{Actor, Store, testing};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

async fn connexion(
    auth: &Authentification,
    store: &Store,
    login: &str,
    password: &str,
    adresse: Option<IpAddr>,
) -> Result<Session, AuthError> {
    let preuve = Identifiant {
        login: login.into(),
        password: password.into(),
    };
    auth.connexion(store, &MotDePasseLocal, login, adresse, preuve)
        .await
}

/// A store whose clock the test moves.
fn horloge(store: &mut Store) -> Arc<AtomicI64> {
    let offset = Arc::new(AtomicI64::new(0));
    let o = offset.clone();
    store.set_clock(Arc::new(move || {
        esculape_store::now_millis() + o.load(Ordering::SeqCst)
    }));
    offset
}

#[tokio::test]
async fn the_fixtures_hashes_are_the_fixtures_passwords() {
    let t = testing::sqlite().await.unwrap();
    testing::practice(&t.store).await.unwrap();
    let auth = Authentification::default();
    for (login, password) in [
        ("dr.martin", testing::MEDECIN_PASSWORD),
        ("accueil", testing::SECRETAIRE_PASSWORD),
        ("admin", testing::ADMIN_PASSWORD),
    ] {
        connexion(&auth, &t.store, login, password, None)
            .await
            .unwrap_or_else(|e| panic!("{login}: {e}"));
    }
}

/// 50 wrong passwords at once, spread over two hosts on one database
/// (each host lets 15 through its per-login quota): the account ends
/// locked, and the right password is refused until the
/// lock ends.
#[tokio::test]
async fn parallel_wrong_passwords_on_two_hosts_lock_the_account() {
    for t in testing::both().await {
        let n = t.name;
        let url = t.url.clone();
        let (mut un, _keep) = t.split();
        let offset = horloge(&mut un);
        let mut deux = Store::connect(&url).await.unwrap();
        let o = offset.clone();
        deux.set_clock(Arc::new(move || {
            esculape_store::now_millis() + o.load(Ordering::SeqCst)
        }));
        testing::practice(&un).await.unwrap();
        let hosts = [
            (Arc::new(un), Arc::new(Authentification::default())),
            (Arc::new(deux), Arc::new(Authentification::default())),
        ];
        let mut set = tokio::task::JoinSet::new();
        for i in 0..50u8 {
            let (store, auth) = hosts[(i % 2) as usize].clone();
            // Each from its own address, so that the rate limits leave
            // them all to the lockout.
            let ip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, i));
            set.spawn(async move {
                connexion(&auth, &store, "accueil", "Mauvais-Mot-2026", Some(ip)).await
            });
        }
        // Past its quota a host turns a login away before any check; the
        // others are counted.
        let mut counted = 0;
        while let Some(r) = set.join_next().await {
            match r.unwrap() {
                Err(AuthError::Refus) => counted += 1,
                Err(AuthError::TropDeTentatives { .. }) => {}
                other => panic!("{n}: {other:?}"),
            }
        }
        assert!(counted >= 10, "{n}: {counted} attempts reached the check");
        let user = hosts[0]
            .0
            .identifiants("accueil")
            .await
            .unwrap()
            .unwrap()
            .user;
        let now = hosts[0].0.now();
        assert!(
            user.locked_until.is_some_and(|u| u > now),
            "{n}: the account must be locked: {user:?}"
        );
        // The right password, on either host, is refused while it lasts.
        for (store, _) in &hosts {
            let auth = Authentification::default();
            let r = connexion(&auth, store, "accueil", testing::SECRETAIRE_PASSWORD, None).await;
            assert!(matches!(r, Err(AuthError::Refus)), "{n}: {r:?}");
        }
        let events = hosts[0].0.audit_since(0).await.unwrap();
        let locks = events
            .iter()
            .filter(|e| e.action == "compte.verrouillage")
            .count();
        assert!(locks >= 1, "{n}: the lock is traced");
        offset.fetch_add(16 * 60_000, Ordering::SeqCst);
        let auth = Authentification::default();
        connexion(
            &auth,
            &hosts[1].0,
            "accueil",
            testing::SECRETAIRE_PASSWORD,
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{n}: after the lock: {e}"));
        assert!(hosts[0].0.verify_audit().await.unwrap().is_intact(), "{n}");
    }
}

/// An unknown login, a wrong password, a locked and a deactivated account
/// get the same answer, each after exactly one password hash check; the
/// trail names only known accounts.
#[tokio::test]
async fn every_refusal_looks_and_costs_the_same() {
    for t in testing::both().await {
        let n = t.name;
        let (store, _keep) = t.split();
        let practice = testing::practice(&store).await.unwrap();
        let auth = Authentification::default();
        let start = store.audit_since(0).await.unwrap().len();
        let mut answers = vec![];
        let mut refus = |r: Result<Session, AuthError>| match r {
            Err(e @ AuthError::Refus) => answers.push(e.to_string()),
            other => panic!("{n}: {other:?}"),
        };
        let before = auth.limites.hachages();
        refus(connexion(&auth, &store, "Mon-Secret-Tape-Ici", "x", None).await);
        assert_eq!(auth.limites.hachages(), before + 1, "{n}: unknown");
        let before = auth.limites.hachages();
        refus(connexion(&auth, &store, "dr.martin", "Mauvais-2026!", None).await);
        assert_eq!(auth.limites.hachages(), before + 1, "{n}: wrong");
        for _ in 0..4 {
            refus(connexion(&auth, &store, "dr.martin", "Mauvais-2026!", None).await);
        }
        let before = auth.limites.hachages();
        refus(connexion(&auth, &store, "dr.martin", testing::MEDECIN_PASSWORD, None).await);
        assert_eq!(auth.limites.hachages(), before + 1, "{n}: locked");
        store
            .update_user(
                &Actor::system(),
                &practice.secretaire.id,
                UserChanges {
                    active: Some(false),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let before = auth.limites.hachages();
        refus(connexion(&auth, &store, "accueil", testing::SECRETAIRE_PASSWORD, None).await);
        assert_eq!(auth.limites.hachages(), before + 1, "{n}: deactivated");
        answers.dedup();
        assert_eq!(answers.len(), 1, "{n}: {answers:?}");
        let events = store.audit_since(0).await.unwrap();
        for e in &events[start..] {
            assert!(
                !format!("{} {}", e.actor, e.detail).contains("Mon-Secret-Tape-Ici"),
                "{n}: a typed login reached the trail: {e:?}"
            );
        }
    }
}

/// Fifteen attempts at once for one login, thirty from one address; past
/// them a French «réessayez dans N s», before any hash is computed.
#[tokio::test]
async fn login_attempts_are_rate_limited_per_login_and_per_address() {
    let t = testing::sqlite().await.unwrap();
    testing::practice(&t.store).await.unwrap();
    let store = Arc::new(t.store);
    let auth = Arc::new(Authentification::default());
    // Sent at once: the quotas refill slowly (one every few seconds), so
    // the attempts past them are all refused.
    let burst = |logins: Vec<(String, Option<IpAddr>)>| {
        let mut set = tokio::task::JoinSet::new();
        for (login, ip) in logins {
            let (store, auth) = (store.clone(), auth.clone());
            set.spawn(async move { connexion(&auth, &store, &login, "x", ip).await });
        }
        set.join_all()
    };
    let per_login: Vec<_> = (0..20u8)
        .map(|i| {
            (
                "personne".to_string(),
                Some(IpAddr::V4(Ipv4Addr::new(10, 1, 0, i))),
            )
        })
        .collect();
    let answers = burst(per_login).await;
    let limited: Vec<_> = answers
        .iter()
        .filter_map(|r| match r {
            Err(e @ AuthError::TropDeTentatives { .. }) => Some(e.to_string()),
            _ => None,
        })
        .collect();
    assert!(limited.len() >= 4, "per login: {answers:?}");
    assert!(limited[0].contains("réessayez dans"), "{limited:?}");
    let ip = Some(IpAddr::V4(Ipv4Addr::new(10, 2, 0, 1)));
    let per_address: Vec<_> = (0..40).map(|i| (format!("inconnu{i}"), ip)).collect();
    let answers = burst(per_address).await;
    let limited = answers
        .iter()
        .filter(|r| matches!(r, Err(AuthError::TropDeTentatives { .. })))
        .count();
    assert!(limited >= 9, "per address: {answers:?}");
    assert!(
        answers.iter().all(|r| matches!(
            r,
            Err(AuthError::Refus | AuthError::Occupe | AuthError::TropDeTentatives { .. })
        )),
        "{answers:?}"
    );
}

/// 1,000 logins at once, each from its own address for its own login (so
/// no rate limit applies): never more hashes at once than the host has
/// slots, the surplus told «occupé» at once, every one answered.
#[tokio::test]
async fn a_thousand_concurrent_logins_keep_hashing_bounded() {
    let t = testing::sqlite().await.unwrap();
    testing::practice(&t.store).await.unwrap();
    let store = Arc::new(t.store);
    let auth = Arc::new(Authentification::default());
    let mut set = tokio::task::JoinSet::new();
    for i in 0..1000u32 {
        let (store, auth) = (store.clone(), auth.clone());
        let [_, _, a, b] = i.to_be_bytes();
        let ip = IpAddr::V4(Ipv4Addr::new(10, 3, a, b));
        set.spawn(
            async move { connexion(&auth, &store, &format!("compte{i}"), "x", Some(ip)).await },
        );
    }
    let (mut refus, mut occupe) = (0, 0);
    while let Some(r) = set.join_next().await {
        match r.unwrap() {
            Err(AuthError::Refus) => refus += 1,
            Err(AuthError::Occupe) => occupe += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(refus + occupe, 1000);
    assert!(occupe > 0, "the surplus is turned away");
    assert!(
        auth.limites.pic_hachages() <= auth.limites.creneaux(),
        "{} hashes at once for {} slots",
        auth.limites.pic_hachages(),
        auth.limites.creneaux()
    );
}

/// A reset forces a change at next login whatever the role and ends every
/// session; a user's own change ends their other sessions only.
#[tokio::test]
async fn password_changes_end_the_other_sessions() {
    for t in testing::both().await {
        let n = t.name;
        let (store, _keep) = t.split();
        let practice = testing::practice(&store).await.unwrap();
        let auth = Authentification::default();
        let pw = testing::SECRETAIRE_PASSWORD;
        let a = connexion(&auth, &store, "accueil", pw, None).await.unwrap();
        let b = connexion(&auth, &store, "accueil", pw, None).await.unwrap();
        assert!(!a.password_expired, "{n}");
        let new = "Nouveau-Secret-2026";
        let caller = auth.session(&store, &a.token).await.unwrap();
        auth.changer_mot_de_passe(&store, &caller, &a.token, pw, new)
            .await
            .unwrap();
        auth.session(&store, &a.token)
            .await
            .unwrap_or_else(|e| panic!("{n}: this session stays: {e}"));
        assert!(
            matches!(
                auth.session(&store, &b.token).await,
                Err(AuthError::NoSession)
            ),
            "{n}: the other session ended"
        );
        // An administrator's reset, for a secrétaire too.
        auth.reinitialiser_mot_de_passe(
            &store,
            &practice.admin.actor(),
            &practice.secretaire.id,
            "Remis-Par-Admin-2026",
        )
        .await
        .unwrap();
        assert!(
            matches!(
                auth.session(&store, &a.token).await,
                Err(AuthError::NoSession)
            ),
            "{n}: a reset ends every session"
        );
        let c = connexion(&auth, &store, "accueil", "Remis-Par-Admin-2026", None)
            .await
            .unwrap();
        assert!(
            c.password_expired,
            "{n}: a secrétaire's reset password must be changed"
        );
    }
}
