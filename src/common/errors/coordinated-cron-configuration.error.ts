/**
 * Thrown at boot for invalid module options or job definitions: the base of every boot error, so apps can catch
 * them all. Each message names the job (class, method, name) and says how to fix it.
 */
export class CoordinatedCronConfigurationError extends Error {
  override readonly name: string = 'CoordinatedCronConfigurationError';
}

/** Where a decorated method lives, for boot errors. */
export interface JobLocation {
  className: string;
  methodName: string;
  jobName?: string;
}

/** `Job "name" (Class.method)`, the prefix of every boot error about one job. */
export function describeLocation(where: JobLocation): string {
  const job = where.jobName === undefined ? '' : `Job "${where.jobName}" `;
  return `${job}(${where.className}.${where.methodName})`;
}
