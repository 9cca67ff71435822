import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { SAMPLE_CONFIG, type SampleConfig } from '../config/sample-config.js';
import { SCHEMA_SQL } from './schema.js';
import { seedDatabase } from './seed.js';

@Injectable()
export class DatabaseService implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  readonly db: Database;

  constructor(@Inject(SAMPLE_CONFIG) config: SampleConfig) {
    this.db = new BetterSqlite3(config.dbPath);
    // Several instances share one file: writers queue on the lock instead of failing with SQLITE_BUSY.
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.prepare(config);
  }

  private prepare(config: SampleConfig): void {
    // IMMEDIATE takes the write lock up front, so instances starting together seed the file exactly once.
    const seeded = this.db
      .transaction(() => {
        this.db.exec(SCHEMA_SQL);
        // A file seeded before accounts had a zone gets the column, empty: its accounts follow the process's zone.
        const columns = this.db.prepare("SELECT name FROM pragma_table_info('accounts')").pluck().all();
        if (!columns.includes('time_zone')) this.db.exec('ALTER TABLE accounts ADD COLUMN time_zone TEXT');
        if (this.db.prepare("SELECT 1 FROM meta WHERE key = 'seeded_at'").get()) return false;
        seedDatabase(this.db, config.seed);
        this.db.prepare("INSERT INTO meta (key, value) VALUES ('seeded_at', ?)").run(new Date().toISOString());
        return true;
      })
      .immediate();
    const accounts = (this.db.prepare('SELECT COUNT(*) AS n FROM accounts').get() as { n: number }).n;
    this.logger.log(`${seeded ? 'created and seeded' : 'opened'} ${config.dbPath} (${accounts} accounts)`);
  }

  /**
   * Closed at application shutdown rather than module destroy: per-tenant work may still be draining while
   * modules are being destroyed, and it needs the database until it is done.
   */
  onApplicationShutdown(): void {
    if (this.db.open) this.db.close();
  }
}
