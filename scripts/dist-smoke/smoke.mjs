// Smoke test of the installed npm package: an access token and an ID token
// from a key file served by the emulator, the ID token verified against its keys.
import { readFileSync } from 'node:fs';
import * as credmint from 'credmint';

const key = process.env.CREDMINT_KEY;
const base = process.env.CREDMINT_BASE;
const credentials = credmint.Credentials.fromJson(readFileSync(key, 'utf8'));
const token = await credentials.getAccessToken();
if (!token.token.startsWith('ya29.')) throw new Error('not an emulator access token');
const idToken = await credentials.getIdToken('https://svc.example');
const claims = await credmint.verifyGoogleIdToken(idToken.token, {
  audience: 'https://svc.example', keysUrl: `${base}/oauth2/v3/certs`,
});
if (claims.email !== 'ci-runner@demo-project.iam.gserviceaccount.com') throw new Error(JSON.stringify(claims));
console.log('dist-test: npm package ok');
