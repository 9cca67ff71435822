import { type LoggerService } from '@nestjs/common';
import { type Recorder } from './recorder';

/**
 * The app's logger: every line Nest and the library write, at every level (duplicate skips are `debug` lines), goes
 * into the history as it is. The library's run lines are what the checker reads an instance's reports from, the
 * same lines any app logger (pino, say) receives.
 */
export class RecordingLogger implements LoggerService {
  constructor(private readonly recorder: Recorder) {}

  private write(level: string, message: unknown, params: unknown[]): void {
    const last = params.at(-1);
    const context = params.length > 0 && typeof last === 'string' ? last : undefined;
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    this.recorder.record({ type: 'log', level, context, text });
    // Errors outside the library's run lines (a boot failure, say) also go to stderr, kept beside the history.
    if ((level === 'error' || level === 'fatal') && context !== 'CoordinatedCron') process.stderr.write(`${text}\n`);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }
}
