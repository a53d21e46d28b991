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
export class CredmintError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly remoteCode: string | undefined;
  readonly reason: string | undefined;
  readonly permission: string | undefined;
  readonly retryAfter: number | undefined;
  toJSON(): { name: string; code: ErrorCode; message: string; status: number | undefined; retryable: boolean };
}

/**
 * A `fetch` (the global one by default); never called with a borrowed `this`.
 * `init.signal` fires at the core's time limit of the request (connect, send
 * and read the whole answer); the request is abandoned then either way.
 */
export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Claims = { [claim: string]: JsonValue };

export interface Jwk { kty: 'RSA'; use?: string; alg?: string; kid?: string; n: string; e: string }
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

declare abstract class Credentials {
  getAccessToken(): Promise<AccessToken>;
  invalidate(): void;
}

export class ServiceAccountCredentials extends Credentials {
  constructor(key: ServiceAccountKey, options?: { scopes?: string | string[]; subject?: string; tokenUri?: string; fetch?: Fetch });
  readonly serviceAccountEmail: string;
  getIdToken(audience: string, options?: { includeEmail?: boolean }): Promise<IdToken>;
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

export class ExternalAccountCredentials extends Credentials {
  constructor(config: string | { [field: string]: JsonValue }, options?: {
    scopes?: string | string[]; subjectTokenSupplier?: () => string | Promise<string>; fetch?: Fetch;
  });
}

export class IbmApiKeyCredentials extends Credentials {
  constructor(apikey: string, options?: { url?: string; clientId?: string; clientSecret?: string; fetch?: Fetch });
}

export class ClientCredentials extends Credentials {
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
