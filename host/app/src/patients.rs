//! Identities as users type them: the INS and the INSi provenance come
//! only from the host's own INSi path ([`crate::qualification`]).

use crate::App;
use esculape_domain::{BirthDate, Identity, NewIdentity};
use esculape_store::patients::PatientRecord;
use esculape_store::{Actor, Result};

impl App {
    /// Creates a patient from a typed identity (no INS, not from the
    /// INSi: the file's opening asks the téléservice).
    pub async fn creer_patient(&self, actor: &Actor, new: NewIdentity) -> Result<PatientRecord> {
        let identity = Identity::saisie(new, None, BirthDate::from(self.today()))?;
        self.store.create_patient(actor, identity).await
    }

    /// A user's change of an identity read at `version`
    /// ([`Identity::saisie`]).
    pub async fn modifier_identite(
        &self,
        actor: &Actor,
        id: &str,
        version: i64,
        new: NewIdentity,
    ) -> Result<PatientRecord> {
        let today = BirthDate::from(self.today());
        self.store
            .saisir_identite(actor, id, version, new, today)
            .await
    }
}
