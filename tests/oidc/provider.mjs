// A real OpenID provider (panva's certified oidc-provider) on loopback, for the single
// sign-on tests (issue 15; tests/oidc_provider.py starts and drives it).
// Usage:  node provider.mjs [port]  (port 0 / unset = pick a free port)
// Env:
//   OP_PORT              port (argv[2] wins); 0 = ephemeral
//   OP_CLIENT_ID         default "flask-app"
//   OP_CLIENT_SECRET     default "flask-secret"
//   OP_REDIRECT_URIS     comma separated, required (e.g. http://127.0.0.1:5000/auth/callback)
//   OP_OTHER_CLIENT_ID   second client, used as "wrong audience" (default "other-app")
//   OP_CONTROL_FILE      JSON file re-read on every use (so tests can change it between sign-ins):
//     { "accounts": { "alice": { "email": "alice@example.org", "groups": ["staff"],
//                                "name": "Alice", "email_verified": true } },
//       "id_token": { "audience": "other-app", "expired_seconds_ago": 3600 } }
//     "id_token" is optional; both keys in it are optional test knobs.
// On success prints exactly one line to stdout:  READY {"issuer":"http://127.0.0.1:PORT","port":PORT}
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';

import Provider from 'oidc-provider';

const env = process.env;
const clientId = env.OP_CLIENT_ID || 'flask-app';
const clientSecret = env.OP_CLIENT_SECRET || 'flask-secret';
const otherClientId = env.OP_OTHER_CLIENT_ID || 'other-app';
const redirectUris = (env.OP_REDIRECT_URIS || '').split(',').map((s) => s.trim()).filter(Boolean);
// where a sign-out at the provider may send the browser back (RP-initiated logout)
const postLogoutUris = (env.OP_POST_LOGOUT_URIS || '').split(',').map((s) => s.trim()).filter(Boolean);
const controlFile = env.OP_CONTROL_FILE;
const port = Number(process.argv[2] ?? env.OP_PORT ?? 0);

if (!redirectUris.length) { console.error('OP_REDIRECT_URIS is required'); process.exit(2); }
if (!controlFile) { console.error('OP_CONTROL_FILE is required'); process.exit(2); }

function readControl() {
  // re-read every time: tests edit this file between sign-ins (group change, token knobs)
  return JSON.parse(fs.readFileSync(controlFile, 'utf8'));
}

// fresh signing key per run (instead of the built-in, warned-about dev keystore)
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256' };

// Bind first so that port 0 works and the issuer carries the real port.
const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const actualPort = server.address().port;
const issuer = `http://127.0.0.1:${actualPort}`;

const configuration = {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogoutUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      // exists only so ID tokens can be minted with aud = this client ("wrong audience")
      client_id: otherClientId,
      client_secret: `${clientSecret}-other`,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [signingJwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  pkce: { required: () => true }, // S256 is the only method offered by default
  // scope name -> claims it releases. Keys with array values become scopes automatically.
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  // With the default (true) an ID token that comes together with an access token
  // only carries sub (+ claims requested via the "claims" parameter); scope claims
  // would only be available from /me (userinfo). false = put them into the ID token.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true }, // plain HTML login/consent forms, no JS needed
    userinfo: { enabled: true },
    revocation: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  ttl: {
    AccessToken: 300,
    AuthorizationCode: 60,
    IdToken: 300,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  async findAccount(ctx, sub) {
    const account = readControl().accounts?.[sub];
    if (!account) {
      // Account deleted while the browser still has an OP session for it: forget the
      // session's login (else oidc-provider 9 fails with a 500 in the consent check),
      // so the user is asked to log in again.
      if (ctx?.oidc?.session?.accountId === sub) delete ctx.oidc.session.accountId;
      return undefined;
    }
    return {
      accountId: sub,
      async claims() {
        // read again at claim time, so a group change between sign-ins is picked up
        const acct = readControl().accounts?.[sub] ?? account;
        return {
          sub,
          email: acct.email,
          email_verified: acct.email_verified ?? true,
          name: acct.name,
          groups: acct.groups ?? [],
        };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
provider.on('server_error', (ctx, err) => console.error('server_error', err));

// ---- test knobs: misbehaving ID tokens --------------------------------------------
// provider.IdToken is the (cached) class the token endpoint uses. issue() accepts
// an expiresAt option, and claims put with set() win over the default iat.
const { IdToken } = provider;
const originalIssue = IdToken.prototype.issue;
IdToken.prototype.issue = async function issue(options = {}) {
  if (options.use === 'idtoken') {
    const knobs = readControl().id_token || {};
    if (knobs.audience) {
      const other = await provider.Client.find(knobs.audience);
      if (!other) throw new Error(`id_token.audience: unknown client ${knobs.audience}`);
      this.client = other; // aud is always the client's id
    }
    if (knobs.expired_seconds_ago) {
      const now = Math.floor(Date.now() / 1000);
      const exp = now - Number(knobs.expired_seconds_ago);
      this.set('iat', exp - 300);
      options = { ...options, expiresAt: exp };
    }
  }
  return originalIssue.call(this, options);
};

// devInteractions accepts ANY login name; turn names missing from the control file
// into an access_denied error at the redirect_uri instead of a provider 500.
const originalFinished = provider.interactionFinished.bind(provider);
provider.interactionFinished = async (req, res, result, options) => {
  if (result?.login && !readControl().accounts?.[result.login.accountId]) {
    result = { error: 'access_denied', error_description: 'unknown user' };
  }
  return originalFinished(req, res, result, options);
};

server.on('request', provider.callback());

const shutdown = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections(); // don't wait for the test client's keep-alive sockets
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

process.stdout.write(`READY ${JSON.stringify({ issuer, port: actualPort })}\n`);
