// A real OpenID provider (npm `oidc-provider` 9) configured like Pro Santé
// Connect, for the tests of esculape-psc: discovery at PSC's path only,
// `acr` eidas1, PSC's userinfo claims, code flow with PKCE required, CIBA
// in poll mode with a two-digit binding message, refresh, introspection,
// revocation. Usage: node psc-oidc-provider.mjs PORT LOOPBACK_PORT, with
// ESCULAPE_OIDC_PROVIDER the path of the package's lib/index.js.
//
// The professional signs in on a login page (a form, driven by the tests
// as a browser would); CIBA requests wait for the test's decision at
// `POST /essai/ciba/<national id>/accepter|refuser`; `POST /essai/lenteur/<ms>`
// delays every answer (a provider that answers in 3 s). PSC_RETARD_JETON_MS
// holds the token endpoint's answer that long after it is made (with a
// short PSC_TTL_ID: an ID token that arrives expired).
//
// With PSC_MTLS_DIR (ac.pem, serveur.pem, serveur-cle.pem) the provider is
// served over TLS asking for a client certificate, and a third client,
// `esculape-mtls`, authenticates by its certificate alone (tls_client_auth,
// RFC 8705, subject PSC_MTLS_SUJET) and gets tokens bound to it.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { pathToFileURL } from 'node:url';

const { default: Provider, errors } = await import(
  pathToFileURL(process.env.ESCULAPE_OIDC_PROVIDER).href
);
const port = Number(process.argv[2]);
const loopback = Number(process.argv[3]);
const pki = process.env.PSC_MTLS_DIR;
const issuer = `${pki ? 'https' : 'http'}://127.0.0.1:${port}`;
// the client's certificate as the TLS connection presented it
const certificat = (ctx) => ctx.req.socket.getPeerX509Certificate?.() ?? undefined;

// Test professionals: the national id (8 + RPPS) and PSC's claims.
const activite = (structure, raison, secteur) => ({
  codeModeExercice: 'L', codeSecteurDactivite: secteur, codeRole: '',
  identifiantTechniqueDeLaStructure: structure, raisonSocialeSite: raison,
  numeroFinessSite: '', codePostal: '75009', bureauCedex: '75009 PARIS',
});
const pro = (id, prenom, nom, profession, savoirFaire, activites, acr = 'eidas1') => ({
  acr,
  claims: {
    sub: `f:${id}-0000-4000-8000-000000000000:${id}`,
    preferred_username: id, SubjectNameID: id,
    given_name: prenom, family_name: nom,
    SubjectRefPro: { codeCivilite: 'M', exercices: [{
      codeProfession: profession, codeCategorieProfessionnelle: 'C',
      codeCiviliteDexercice: 'DR', nomDexercice: nom, prenomDexercice: prenom,
      codeTypeSavoirFaire: 'S', codeSavoirFaire: savoirFaire, activities: activites,
    }] },
    SubjectRole: [`${profession}^1.2.250.1.213.1.1.5.5`],
    Secteur_Activite: 'SA07^1.2.250.1.71.4.2.4',
    SubjectOrganization: activites[0]?.raisonSocialeSite ?? '',
    SubjectOrganizationID: activites[0]?.identifiantTechniqueDeLaStructure ?? '',
    Palier_Authentification: 'APPPRIP3^1.2.250.1.213.1.5.1.1.1',
    otherIds: [{ identifiant: id, origine: 'RPPS', qualite: 1 }],
  },
});
const pros = {
  '899700366240': pro('899700366240', 'KIT', 'DOC0036624', '10', 'SM26', [
    activite('R95141', 'CABINET M DOC0036624', 'SA07'),
    activite('F0B0172805', 'HOPITAL GENERIQUE', 'SA01'),
  ]),
  '899700423059': pro('899700423059', 'ANNE', 'DOC0042305', '10', 'SM54', [
    activite('R95142', 'MAISON DE SANTE DU CANAL', 'SA07'),
  ]),
  // the host tests' doctor (dr.martin, RPPS 10001234567)
  '810001234567': pro('810001234567', 'CLAIRE', 'MARTIN', '10', 'SM54', [
    activite('R20000002', 'CABINET DU DR MARTIN', 'SA07'),
  ]),
  // signs in at a lower level than eidas1: the client must refuse it
  '899700999999': pro('899700999999', 'BAS', 'NIVEAU', '10', 'SM26', [
    activite('R95143', 'CABINET BAS', 'SA07'),
  ], 'eidas0'),
};
const nomsClaims = Object.keys(pros['899700366240'].claims).filter((c) => c !== 'sub');

const attente = new Map(); // national id -> pending CIBA request
let lenteur = 0;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'esculape', client_secret: 'secret-essai',
    application_type: 'native',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token', 'urn:openid:params:grant-type:ciba'],
    response_types: ['code'],
    redirect_uris: [`http://127.0.0.1:${loopback}/psc`],
    backchannel_token_delivery_mode: 'poll',
  }, {
    // the MSSanté operator's mail server (Dovecot), which introspects the
    // tokens presented over IMAP/SMTP (host/mss/tests)
    client_id: 'messagerie', client_secret: 'secret-messagerie',
    grant_types: [], response_types: [], redirect_uris: [],
  }, {
    client_id: 'autre', client_secret: 'secret-autre',
    grant_types: ['authorization_code'], response_types: ['code'],
    redirect_uris: ['https://autre.example/cb'],
  }, ...(pki ? [{
    client_id: 'esculape-mtls',
    application_type: 'native',
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_subject_dn: process.env.PSC_MTLS_SUJET,
    tls_client_certificate_bound_access_tokens: true,
    grant_types: ['authorization_code', 'refresh_token', 'urn:openid:params:grant-type:ciba'],
    response_types: ['code'],
    redirect_uris: [`http://127.0.0.1:${loopback}/psc`],
    backchannel_token_delivery_mode: 'poll',
  }] : [])],
  clientAuthMethods: ['client_secret_basic', 'none', ...(pki ? ['tls_client_auth'] : [])],
  acrValues: ['eidas1'],
  claims: { openid: ['sub'], scope_all: nomsClaims },
  scopes: ['openid', 'scope_all'],
  cookies: { keys: ['cle-de-test-des-cookies'] },
  clockTolerance: 0, // an expired token is refused at once
  pkce: { required: () => true },
  ttl: {
    AccessToken: Number(process.env.PSC_TTL_ACCES ?? 120),
    IdToken: Number(process.env.PSC_TTL_ID ?? 120),
    RefreshToken: 3600,
    BackchannelAuthenticationRequest: Number(process.env.PSC_TTL_CIBA ?? 30),
  },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true },
    mTLS: {
      enabled: Boolean(pki),
      tlsClientAuth: true,
      certificateBoundAccessTokens: true,
      getCertificate: certificat,
      // the chain was checked by TLS against ac.pem
      certificateAuthorized: (ctx) => ctx.req.socket.authorized === true,
      certificateSubjectMatches: (ctx, propriete, attendu) => propriete === 'tls_client_auth_subject_dn'
        && certificat(ctx)?.subject.split('\n').join(', ') === attendu,
    },
    revocation: { enabled: true },
    ciba: {
      enabled: true, deliveryModes: ['poll'],
      processLoginHintToken: async () => undefined,
      processLoginHint: async (ctx, hint) => (pros[hint] ? hint : undefined),
      validateBindingMessage: async (ctx, m) => {
        if (!/^\d{2}$/.test(m ?? '')) {
          throw new errors.InvalidBindingMessage('binding_message: deux chiffres');
        }
      },
      validateRequestContext: async () => {},
      verifyUserCode: async () => {},
      triggerAuthenticationDevice: async (ctx, request, account) => {
        attente.set(account.accountId, request);
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (ctx, id) => (pros[id]
    ? { accountId: id, claims: async () => ({ ...pros[id].claims }) }
    : undefined),
});

const lireFormulaire = (req) => new Promise((resolve, reject) => {
  let corps = '';
  req.on('data', (c) => { corps += c; });
  req.on('end', () => resolve(new URLSearchParams(corps)));
  req.on('error', reject);
});

const accorder = async (accountId, clientId) => {
  const grant = new provider.Grant({ accountId, clientId });
  grant.addOIDCScope('openid scope_all');
  grant.addOIDCClaims(nomsClaims);
  return grant.save();
};

const retardJeton = Number(process.env.PSC_RETARD_JETON_MS ?? 0);
provider.use(async (ctx, next) => {
  if (retardJeton > 0 && ctx.path === '/token') {
    await next();
    await new Promise((r) => { setTimeout(r, retardJeton); });
    return;
  }
  if (lenteur > 0 && !ctx.path.startsWith('/essai/')) {
    await new Promise((r) => { setTimeout(r, lenteur); });
  }
  const m = ctx.path.match(/^\/interaction\/([^/]+)(\/(login|refus))?$/);
  if (ctx.path === '/.well-known/wallet-openid-configuration') {
    ctx.path = '/.well-known/openid-configuration';
  } else if (ctx.path === '/.well-known/openid-configuration') {
    ctx.status = 404; // like PSC: only the wallet path
    return;
  } else if (ctx.path.startsWith('/essai/lenteur/') && ctx.method === 'POST') {
    lenteur = Number(ctx.path.split('/')[3]);
    ctx.body = { lenteur };
    return;
  } else if (ctx.path.startsWith('/essai/ciba/') && ctx.method === 'POST') {
    const [, , , id, decision] = ctx.path.split('/');
    const request = attente.get(id);
    if (!request) { ctx.status = 404; ctx.body = { erreur: 'aucune demande' }; return; }
    attente.delete(id);
    if (decision === 'accepter') {
      const grantId = await accorder(id, request.clientId);
      const grant = await provider.Grant.find(grantId);
      await provider.backchannelResult(request, grant, { acr: pros[id].acr });
    } else {
      await provider.backchannelResult(request, new errors.AccessDenied('refusé sur la carte'));
    }
    ctx.body = { decision };
    return;
  } else if (m && ctx.method === 'GET' && !m[2]) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name === 'consent') {
      const grantId = await accorder(details.session.accountId, details.params.client_id);
      ctx.respond = false;
      await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } },
        { mergeWithLastSubmission: true });
      return;
    }
    const options = Object.keys(pros).map((id) => `<option value="${id}">${pros[id].claims.given_name} ${pros[id].claims.family_name}</option>`).join('');
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>Pro Santé Connect (essai)</title>
<form method="post" action="/interaction/${m[1]}/login"><select name="login">${options}</select><button>Se connecter</button></form>
<form method="post" action="/interaction/${m[1]}/refus"><button>Annuler</button></form>`;
    return;
  } else if (m && ctx.method === 'POST' && m[3] === 'login') {
    const form = await lireFormulaire(ctx.req);
    const id = form.get('login');
    if (!pros[id]) { ctx.status = 400; ctx.body = 'inconnu'; return; }
    ctx.respond = false;
    await provider.interactionFinished(ctx.req, ctx.res, {
      login: { accountId: id, acr: pros[id].acr },
    }, { mergeWithLastSubmission: false });
    return;
  } else if (m && ctx.method === 'POST' && m[3] === 'refus') {
    ctx.respond = false;
    await provider.interactionFinished(ctx.req, ctx.res, {
      error: 'access_denied', error_description: 'annulé par l\'utilisateur',
    }, { mergeWithLastSubmission: false });
    return;
  }
  await next();
});

if (pki) {
  const lire = (f) => readFileSync(`${pki}/${f}`);
  https.createServer({
    key: lire('serveur-cle.pem'), cert: lire('serveur.pem'), ca: lire('ac.pem'),
    requestCert: true, rejectUnauthorized: false, // a browser has no certificate
  }, provider.callback()).listen(port, '127.0.0.1', () => console.log(`pret ${issuer}`));
} else {
  provider.listen(port, '127.0.0.1', () => console.log(`pret ${issuer}`));
}
