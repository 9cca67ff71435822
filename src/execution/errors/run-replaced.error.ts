/**
 * The reason a run's signal carries when a newer occurrence replaced it (`overlap: 'cancel-running'`): a handler that
 * checks `signal.reason` can tell it from shutdown or a lost lease.
 */
export class RunReplacedError extends Error {
  override readonly name = 'RunReplacedError';

  constructor(readonly replacedBy: Date) {
    super(`replaced by occurrence ${replacedBy.toISOString()} (overlap 'cancel-running')`);
  }
}
