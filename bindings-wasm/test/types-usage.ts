// Compiled with `tsc --strict --noEmit` in CI against index.d.ts: the public
// surface is typed precisely (no `any`), error codes are a literal union.
import {
  ClientCredentials, Credentials, CredmintError, DocumentCredentials, ImpersonatedCredentials, KeySet,
  ServiceAccountCredentials, ServiceAccountKey, defaultCredentials, listCredentials, verify, verifyAsync,
  MemoryTokenStore, DurableObjectTokenStore, TokenCacheObject, tokenFromDurableObject,
  type AccessToken, type Claims, type CredentialKind, type ErrorCode, type DurableObjectStorageLike, type DurableObjectNamespaceLike,
} from 'credmint';

export async function mint(keyJson: string): Promise<Date> {
  const key = ServiceAccountKey.fromJSON(keyJson, { signing: 'auto' });
  const signed: { keyId: string; signedJwt: string } = await key.signJwt({ aud: 'https://svc.example' }, { now: 1 });
  const blob: Uint8Array = (await key.signBlob(new Uint8Array([1, 2]))).signedBlob;
  const sa = new ServiceAccountCredentials(key, { scopes: ['https://www.googleapis.com/auth/cloud-platform'], fetch });
  const target = new ImpersonatedCredentials(sa, 'sa@p.iam.gserviceaccount.com', { delegates: [], lifetime: 600 });
  const token: AccessToken = await target.getAccessToken();
  const id = await sa.getIdToken('https://run.example', { includeEmail: true });
  void signed; void blob; void id;
  return token.expiresAt;
}

export function check(token: string, jwks: { keys: [] }): Claims | ErrorCode {
  try {
    return verify(token, new KeySet(jwks), { audience: 'https://svc.example', leeway: 30 });
  } catch (error) {
    if (error instanceof CredmintError) {
      const code: ErrorCode = error.code;
      return code;
    }
    throw error;
  }
}

export async function list(baseUrl: string, admin: ClientCredentials): Promise<string[]> {
  const ids: string[] = [];
  for await (const credential of listCredentials({ baseUrl, accountId: 'sa-1', token: admin, status: 'active' })) {
    ids.push(credential.id);
  }
  return ids;
}

export function checkAsync(token: string, keys: KeySet): Promise<Claims> {
  return verifyAsync(token, keys, { issuer: ['https://accounts.google.com'], maxLifetime: 3600 });
}

export async function adc(secret: string): Promise<[CredentialKind, string | undefined]> {
  const { credentials, projectId } = await defaultCredentials({ scopes: ['openid'], fetch });
  const fromSecret: DocumentCredentials = Credentials.fromJson(secret, { quotaProjectId: 'billed', lifetime: 600 });
  const fromFile = await Credentials.fromFile('/etc/credentials.json', { tokenUri: 'http://127.0.0.1:1/token' });
  const id = await fromFile.getIdToken('https://run.example');
  const email: string | undefined = fromSecret.serviceAccountEmail;
  void id; void email; void (await credentials.getAccessToken());
  return [credentials.kind, projectId ?? fromSecret.quotaProjectId ?? fromSecret.universeDomain];
}

export async function shared(secret: string, storage: DurableObjectStorageLike, ns: DurableObjectNamespaceLike): Promise<number> {
  const memory = new MemoryTokenStore({ secret, leaseMillis: 5000 });
  const creds = Credentials.fromJson(secret).withTokenStore(memory);
  const durable = Credentials.fromJson(secret).withTokenStore(new DurableObjectTokenStore(storage, { secret }));
  class Tokens extends TokenCacheObject {
    credentials(): DocumentCredentials { return Credentials.fromJson(secret); }
  }
  void Tokens;
  const fromObject: AccessToken = await tokenFromDurableObject(ns, { audience: 'https://svc.example' });
  return (await creds.getAccessToken()).expiresAt.getTime() + (await durable.getAccessToken()).token.length + fromObject.token.length;
}
