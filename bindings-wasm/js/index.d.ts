// Types of the npm package `credmint`.

/** Every stable error code, the same in every credmint binding. */
export type ErrorCode =
  | 'invalid_key' | 'unsupported_key' | 'malformed_token' | 'unsupported_algorithm'
  | 'signature_invalid' | 'key_not_found' | 'token_expired' | 'token_not_yet_valid'
  | 'token_issued_in_future' | 'lifetime_too_long' | 'audience_mismatch' | 'issuer_mismatch'
  | 'invalid_claims' | 'invalid_argument' | 'signing_failed' | 'credential_rejected'
  | 'unauthenticated' | 'permission_denied' | 'not_found' | 'rate_limited' | 'server_error'
  | 'remote_error' | 'invalid_response' | 'transport_error' | 'credentials_not_found'
  | 'not_supported';

/** The one error class: a stable `code`, and for remote errors the server's words. */
/** What a caller does about an error, decided by the core for every code (`tests/vectors/errors.json`). */
export type ErrorFamily = 'key' | 'token' | 'invalid_argument' | 'signing' | 'transport' | 'remote';

export class CredmintError extends Error {
  readonly code: ErrorCode;
  /** The core's family of `code`, the same in every binding. */
  readonly family: ErrorFamily | undefined;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly remoteCode: string | undefined;
  readonly reason: string | undefined;
  readonly permission: string | undefined;
  readonly retryAfter: number | undefined;
  toJSON(): {
    name: string; code: ErrorCode; family: ErrorFamily | undefined; message: string; status: number | undefined; retryable: boolean;
  };
}

/**
 * A `fetch` (the global one by default); never called with a borrowed `this`.
 * `init.signal` fires at the core's time limit of the request (connect, send
 * and read the whole answer); the request is abandoned then either way.
 */
export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Claims = { [claim: string]: JsonValue };

/** A public JWK: RSA (RS256) or EC on P-256 (ES256). */
export type Jwk =
  | { kty: 'RSA'; use?: string; alg?: string; kid?: string; n: string; e: string }
  | { kty: 'EC'; use?: string; alg?: string; kid?: string; crv: 'P-256'; x: string; y: string };
export interface JwkSet { keys: Jwk[] }

/** A service-account key file, as JSON text or parsed. */
export interface ServiceAccountKeyFile {
  type: 'service_account';
  client_email: string;
  private_key: string;
  private_key_id: string;
  project_id?: string;
  client_id?: string;
  token_uri?: string;
  universe_domain?: string;
  [field: string]: string | undefined;
}

export interface AccessToken { readonly token: string; readonly expiresAt: Date; readonly refreshToken?: string }
export interface IdToken { readonly token: string; readonly expiresAt: Date }
export interface SignedJwt { keyId: string; signedJwt: string }
export interface SignedBlob { keyId: string; signedBlob: Uint8Array }

export class ServiceAccountKey {
  static fromJSON(key: string | ServiceAccountKeyFile, options?: { signing?: 'auto' | 'webcrypto' | 'wasm' }): ServiceAccountKey;
  readonly clientEmail: string;
  readonly keyId: string;
  readonly projectId: string | undefined;
  readonly tokenUri: string;
  readonly universeDomain: string;
  sign(bytes: Uint8Array): Promise<Uint8Array>;
  signJwt(claims: Claims, options?: { now?: number }): Promise<SignedJwt>;
  signBlob(bytes: Uint8Array): Promise<SignedBlob>;
  jwks(): JwkSet;
  selfSignedJwt(options: { audience?: string; scopes?: string[]; now?: number }): Promise<string>;
  usesWebCrypto(): boolean;
}

/** JWKS, Google's X.509 certificate map (`{kid: PEM}`) or PEM text. */
export type Keys = KeySet | JwkSet | Jwk | Record<string, string> | string;

export class KeySet {
  constructor(keys: JwkSet | Jwk | Record<string, string> | string);
  readonly size: number;
  jwks(): JwkSet;
}

export interface VerifyOptions {
  audience?: string | string[];
  issuer?: string | string[];
  /** Clock skew allowed, seconds (default 60, at most 300). */
  leeway?: number;
  maxLifetime?: number;
  now?: number;
}

export function verify(token: string, keys: Keys, options?: VerifyOptions): Claims;

/** `verify` with the signature checked by WebCrypto; same checks, order and errors. */
export function verifyAsync(token: string, keys: Keys, options?: VerifyOptions): Promise<Claims>;

/** The core's ready verifiers. */
export type VerifierPreset = 'googleIdToken' | 'firebase' | 'serviceAccount' | 'ibmIam' | 'iap' | 'oidc';

/** Where a verifier keeps its fetched keys between isolates (a Workers KV wrapper, a file). */
export interface KeySetStore {
  get(): Promise<string | null | undefined>;
  put(snapshot: string): Promise<void>;
}

export interface VerifierOptions {
  /** One audience or several (`iap`: exactly one; `firebase`: use `projectId`). */
  audience?: string | string[];
  projectId?: string;
  email?: string;
  issuer?: string;
  /** The keys at another address (the emulator); the issuer and every rule stay. */
  keysUrl?: string;
  fetch?: typeof globalThis.fetch;
}

/** A verifier of one issuer's tokens with its own remote key set. */
export class TokenVerifier {
  constructor(preset: VerifierPreset, options?: VerifierOptions & { store?: KeySetStore });
  verify(token: string): Promise<Claims>;
  snapshot(): string | undefined;
  restore(snapshot: string): void;
}

export function verifyGoogleIdToken(token: string, options: VerifierOptions & { audience: string | string[] }): Promise<Claims>;
export function verifyFirebaseToken(token: string, options: VerifierOptions & { projectId: string }): Promise<Claims>;
export function verifyIapAssertion(token: string, options: VerifierOptions & { audience: string }): Promise<Claims>;
export function verifyIbmIamToken(token: string, options?: VerifierOptions): Promise<Claims>;
export function verifyServiceAccountJwt(token: string, options: VerifierOptions & { email: string; audience: string | string[] }): Promise<Claims>;
export function verifyOidcToken(token: string, options: VerifierOptions & { issuer: string; audience: string | string[] }): Promise<Claims>;

/** A credential document's `type`. */
export type CredentialKind =
  | 'service_account' | 'authorized_user' | 'impersonated_service_account' | 'external_account'
  | 'external_account_authorized_user' | 'gce_metadata' | 'ibm_api_key' | 'oauth_client_credentials';

/** The core's overrides, the same for every credential type (fields a type has no use for are ignored). */
export interface CredentialOptions {
  scopes?: string | string[];
  /** A key's `token_uri`, a user's refresh endpoint, STS `oauthtoken`, IBM's IAM, an OAuth client's token URL. */
  tokenUri?: string;
  iamEndpoint?: string;
  /** The metadata server (`http://host:port`). */
  metadataBase?: string;
  /** Lifetime of impersonated access tokens, seconds. */
  lifetime?: number;
  delegates?: string[];
  quotaProjectId?: string;
  /** The user a service account acts for (domain-wide delegation). */
  subject?: string;
  /** Seed of the backoff jitter (reproducible tests). */
  jitterSeed?: number;
  fetch?: Fetch;
}

/** Options of `Credentials.fromJson`: the core's overrides and, per type, the host's parts. */
export interface DocumentOptions extends CredentialOptions {
  /** For `service_account` documents (see `ServiceAccountKey.fromJSON`). */
  signing?: 'auto' | 'webcrypto' | 'wasm';
  /** For `external_account` documents whose source this runtime cannot read. */
  subjectTokenSupplier?: () => string | Promise<string>;
}

export abstract class Credentials {
  /** Credentials from a credential document of any `type` (JSON text or parsed). */
  static fromJson(document: string | { [field: string]: JsonValue }, options?: DocumentOptions): DocumentCredentials;
  /** `fromJson` of a file's contents (Node and Deno). */
  static fromFile(path: string | URL, options?: DocumentOptions): Promise<DocumentCredentials>;
  getAccessToken(): Promise<AccessToken>;
  invalidate(): void;
}

/** Credentials the core built from a document: every default and request is the core's. */
export class DocumentCredentials extends Credentials {
  protected constructor();
  readonly kind: CredentialKind;
  readonly quotaProjectId: string | undefined;
  readonly universeDomain: string;
  readonly projectId: string | undefined;
  readonly serviceAccountEmail: string | undefined;
  /** `not_supported` for kinds without ID tokens (a person's credentials, IBM, OAuth clients, federation). */
  getIdToken(audience: string, options?: { includeEmail?: boolean }): Promise<IdToken>;
  /**
   * These credentials with their tokens shared through `store`: one refresh per
   * window for every isolate or process using the same store and secret. The
   * store is read only when this isolate's token is due; if it fails, this
   * isolate refreshes by itself. `not_supported` for `external_account`.
   */
  withTokenStore(store: TokenStore): DocumentCredentials;
}

/** The core's timing of shared refreshes (every field optional, each bounded by the core). */
export interface SharedCacheOptions {
  leaseMillis?: number; maxWaitMillis?: number; pollMillis?: number; storeTimeoutMillis?: number;
  recheckSecs?: number; keyPrefix?: string;
}

/**
 * A shared store: keys, values and expiries are the core's; each call is
 * abandoned after `timeoutMs` (the core's) and counted as the store being down.
 * `secret`: the application's cache secret, base64 of 32 bytes or more, or the bytes.
 */
export interface TokenStore {
  readonly secret: string | Uint8Array;
  readonly options?: SharedCacheOptions;
  get(key: string, timeoutMs: number): Promise<string | null>;
  setIfAbsent(key: string, value: string, ttlMs: number, timeoutMs: number): Promise<boolean>;
  set(key: string, value: string, ttlMs: number, timeoutMs: number): Promise<void>;
  deleteIfEquals(key: string, value: string, timeoutMs: number): Promise<void>;
}

/** Keys with expiry in this isolate's memory (tests; several credentials objects of one isolate). */
export class MemoryTokenStore implements TokenStore {
  constructor(options: { secret: string | Uint8Array } & SharedCacheOptions);
  readonly secret: string | Uint8Array;
  readonly options: SharedCacheOptions;
  get(key: string, timeoutMs: number): Promise<string | null>;
  setIfAbsent(key: string, value: string, ttlMs: number, timeoutMs: number): Promise<boolean>;
  set(key: string, value: string, ttlMs: number, timeoutMs: number): Promise<void>;
  deleteIfEquals(key: string, value: string, timeoutMs: number): Promise<void>;
}

/** Minimal shape of a Durable Object's `state.storage`. */
export interface DurableObjectStorageLike {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<boolean>;
}

/** A Durable Object's storage as the store (strongly consistent: one refresh per window). */
export class DurableObjectTokenStore implements TokenStore {
  constructor(storage: DurableObjectStorageLike, options: { secret: string | Uint8Array } & SharedCacheOptions);
  readonly secret: string | Uint8Array;
  readonly options: SharedCacheOptions;
  get(key: string, timeoutMs: number): Promise<string | null>;
  setIfAbsent(key: string, value: string, ttlMs: number, timeoutMs: number): Promise<boolean>;
  set(key: string, value: string, ttlMs: number, timeoutMs: number): Promise<void>;
  deleteIfEquals(key: string, value: string, timeoutMs: number): Promise<void>;
}

/**
 * (Workers) A Durable Object class serving one credential's tokens to every
 * isolate: export it (or a subclass overriding `credentials`) and bind it as a
 * Durable Object namespace. Defaults: `env.CREDMINT_CREDENTIALS` (a credential
 * document) and `env.CREDMINT_CACHE_SECRET` (base64).
 */
export class TokenCacheObject {
  constructor(state: { storage: DurableObjectStorageLike }, env: Record<string, unknown>);
  credentials(env: Record<string, unknown>): DocumentCredentials;
  fetch(request: Request): Promise<Response>;
}

/** Minimal shape of a Durable Object namespace binding. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(input: string): Promise<Response> };
}

/** (Workers) A token from the `TokenCacheObject` named `name` (default `credmint`): an access token, or an ID token for `audience`. */
export function tokenFromDurableObject(namespace: DurableObjectNamespaceLike, options?: { name?: string; audience?: string }): Promise<AccessToken>;

/**
 * Application Default Credentials (Node and Deno): `GOOGLE_APPLICATION_CREDENTIALS`,
 * gcloud's file, then the metadata server. Not in Workers or browsers: use
 * `Credentials.fromJson(env.GOOGLE_CREDENTIALS)` there.
 */
export function defaultCredentials(options?: DocumentOptions): Promise<{ credentials: DocumentCredentials; projectId: string | undefined }>;

export class ServiceAccountCredentials extends DocumentCredentials {
  constructor(key: ServiceAccountKey, options?: { scopes?: string | string[]; subject?: string; tokenUri?: string; fetch?: Fetch });
  readonly serviceAccountEmail: string;
}

export class ImpersonatedCredentials extends Credentials {
  constructor(source: Credentials, target: string, options?: {
    scopes?: string | string[]; delegates?: string[]; lifetime?: number; endpoint?: string; universeDomain?: string; fetch?: Fetch;
  });
  getIdToken(audience: string, options?: { includeEmail?: boolean }): Promise<IdToken>;
  signBlob(bytes: Uint8Array): Promise<SignedBlob>;
  signJwt(claims: Claims): Promise<SignedJwt>;
  allowedLocations(): Promise<{ locations: string[]; encodedLocations: string }>;
}

export class ExternalAccountCredentials extends DocumentCredentials {
  constructor(config: string | { [field: string]: JsonValue }, options?: {
    scopes?: string | string[]; subjectTokenSupplier?: () => string | Promise<string>; fetch?: Fetch;
  });
}

export class IbmApiKeyCredentials extends DocumentCredentials {
  constructor(apikey: string, options?: { url?: string; clientId?: string; clientSecret?: string; fetch?: Fetch });
}

export class ClientCredentials extends DocumentCredentials {
  constructor(options: { tokenUrl: string; clientId: string; clientSecret: string; scopes?: string | string[]; basicAuth?: boolean; fetch?: Fetch });
}

export interface Credential {
  id: string;
  serviceAccountId: string;
  status: 'active' | 'expired' | string;
  uid: string | null;
  selfLink: string | null;
  expiresAt: Date | null;
  createdBy: string | null;
  createdAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
}

export function listCredentials(options: {
  baseUrl: string; accountId: string; token: string | AccessToken | Credentials;
  status?: 'active' | 'expired'; pageSize?: number; fetch?: Fetch;
}): AsyncGenerator<Credential, void, undefined>;

/** The core's version. */
export function version(): string;

/** Compiles the first-token code ahead of use (V8 compiles wasm lazily); whether the whole path ran. */
export function warmUp(): boolean;
