//! What keeps login from exhausting the host: rate limits per login and
//! per client address (governor's GCRA), and a bound on concurrent
//! password hashing (argon2id takes 19 MiB each).

use super::AuthError;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Logins attempted for one login name: 15 at once, then one every 4 s
/// (the lockout already stops guessing a known account's password).
const PAR_IDENTIFIANT: (u32, Duration) = (15, Duration::from_secs(4));
/// Logins from one address (a practice behind one router shares it): 30
/// at once, then one every 2 s.
const PAR_ADRESSE: (u32, Duration) = (30, Duration::from_secs(2));
/// Attempts waiting for a hashing slot beyond which the host answers
/// «occupé» at once instead of queueing.
const ATTENTE_MAX: usize = 32;
/// Keys kept by a limiter before the idle ones are dropped (unknown
/// logins must not grow the map without end).
const CLES_MAX: usize = 4096;

pub struct Limites {
    par_identifiant: DefaultKeyedRateLimiter<String>,
    par_adresse: DefaultKeyedRateLimiter<IpAddr>,
    hachage: Semaphore,
    creneaux: usize,
    en_attente: AtomicUsize,
    en_cours: AtomicUsize,
    pic: AtomicUsize,
    total: AtomicUsize,
}

fn quota((burst, every): (u32, Duration)) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(every)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl Default for Limites {
    fn default() -> Self {
        // One hash per core: more would only queue on the CPU while
        // holding their memory.
        let slots = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 4);
        Self {
            par_identifiant: DefaultKeyedRateLimiter::keyed(quota(PAR_IDENTIFIANT)),
            par_adresse: DefaultKeyedRateLimiter::keyed(quota(PAR_ADRESSE)),
            hachage: Semaphore::new(slots),
            creneaux: slots,
            en_attente: AtomicUsize::new(0),
            en_cours: AtomicUsize::new(0),
            pic: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
        }
    }
}

/// A hashing slot; frees it when dropped.
pub struct Creneau<'a> {
    limites: &'a Limites,
    _permis: SemaphorePermit<'a>,
}

impl Drop for Creneau<'_> {
    fn drop(&mut self) {
        self.limites.en_cours.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Limites {
    /// Counts one login attempt for `login` from `adresse` (unknown for an
    /// in-process caller): refused while either quota is spent.
    pub fn tentative(&self, login: &str, adresse: Option<IpAddr>) -> Result<(), AuthError> {
        if let Some(ip) = adresse {
            if self.par_adresse.len() > CLES_MAX {
                self.par_adresse.retain_recent();
            }
            if let Err(e) = self.par_adresse.check_key(&ip) {
                let attente = e.wait_time_from(self.par_adresse.clock().now());
                return Err(AuthError::TropDeTentatives {
                    secondes: attente.as_secs().max(1),
                });
            }
        }
        if self.par_identifiant.len() > CLES_MAX {
            self.par_identifiant.retain_recent();
        }
        let cle: String = login.chars().take(64).collect();
        if let Err(e) = self.par_identifiant.check_key(&cle) {
            let attente = e.wait_time_from(self.par_identifiant.clock().now());
            return Err(AuthError::TropDeTentatives {
                secondes: attente.as_secs().max(1),
            });
        }
        Ok(())
    }

    /// Waits for a hashing slot, or refuses at once when too many
    /// attempts already wait.
    pub async fn creneau(&self) -> Result<Creneau<'_>, AuthError> {
        if self.en_attente.fetch_add(1, Ordering::SeqCst) >= ATTENTE_MAX {
            self.en_attente.fetch_sub(1, Ordering::SeqCst);
            return Err(AuthError::Occupe);
        }
        let permis = self.hachage.acquire().await;
        self.en_attente.fetch_sub(1, Ordering::SeqCst);
        let permis = permis.map_err(|_| AuthError::Occupe)?;
        let n = self.en_cours.fetch_add(1, Ordering::SeqCst) + 1;
        self.pic.fetch_max(n, Ordering::SeqCst);
        self.total.fetch_add(1, Ordering::SeqCst);
        Ok(Creneau {
            limites: self,
            _permis: permis,
        })
    }

    /// The most hashes that ran at once since start.
    pub fn pic_hachages(&self) -> usize {
        self.pic.load(Ordering::SeqCst)
    }

    /// Hashes computed or checked since start.
    pub fn hachages(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }

    /// How many hashes may run at once.
    pub fn creneaux(&self) -> usize {
        self.creneaux
    }
}
