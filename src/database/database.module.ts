import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options';
import { runPendingMigrations } from './run-migrations';

/** Brings the schema up to date before anything reads or writes (DATABASE_MIGRATIONS_RUN=false turns it off). */
@Injectable()
export class MigrationsOnStart implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ConfigService,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.get<boolean>('DATABASE_MIGRATIONS_RUN') === false) return;
    await runPendingMigrations(this.dataSource);
  }
}

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) =>
        buildDataSourceOptions({
          DATABASE_URL: config.get<string>('DATABASE_URL'),
          SQLITE_PATH: config.getOrThrow<string>('SQLITE_PATH'),
        }),
    }),
  ],
  providers: [MigrationsOnStart],
})
export class DatabaseModule {}
