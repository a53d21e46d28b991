// credmint's one error class, constructed by the WebAssembly module itself so
// that every failure is `instanceof CredmintError` with a stable `code`.
let familyOf = () => undefined;

/** @internal The package hands over the core's code → family table at load. */
export function setFamilyOf(lookup) {
  familyOf = lookup;
}

export class CredmintError extends Error {
  constructor(message, code, status, retryable, remoteCode, reason, permission, retryAfter, family) {
    super(message);
    this.name = 'CredmintError';
    /** Stable machine-readable code, the same in every credmint binding. */
    this.code = code;
    /** The core's family of the code: key, token, invalid_argument, signing, transport or remote. */
    this.family = family ?? familyOf(code);
    /** HTTP status of a remote error, if any. */
    this.status = status ?? undefined;
    /** Whether trying again later may succeed. */
    this.retryable = Boolean(retryable);
    /** The server's own error code (invalid_grant, PERMISSION_DENIED, BXNIM0415E). */
    this.remoteCode = remoteCode ?? undefined;
    /** Google ErrorInfo reason and missing permission, when given. */
    this.reason = reason ?? undefined;
    this.permission = permission ?? undefined;
    /** Seconds the server asked to wait. */
    this.retryAfter = retryAfter ?? undefined;
  }

  toJSON() {
    return {
      name: this.name, code: this.code, family: this.family, message: this.message, status: this.status, retryable: this.retryable,
    };
  }
}
