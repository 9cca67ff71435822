/**
 * A lock-store call failed, timed out, or found its client closed. Runs treat it per `lockFailure`.
 */
export class LockStoreError extends Error {
  override readonly name = 'LockStoreError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
