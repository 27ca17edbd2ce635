import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { App } from 'supertest/types';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/bootstrap';

export interface TestApp {
  app: INestApplication;
  http: App;
  close(): Promise<void>;
}

/**
 * Starts the real app (all modules, migrations applied) with the given variables instead of process.env.
 * Without DATABASE_URL it runs on a throw-away SQLite file.
 */
export async function startTestApp(environment: Record<string, string | undefined> = {}): Promise<TestApp> {
  const sqliteDir = environment.DATABASE_URL ? undefined : mkdtempSync(join(tmpdir(), 'opa-sqlite-'));
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot({
        environment: {
          LOG_LEVEL: 'warn',
          RATE_LIMIT_PER_MINUTE: '100000',
          ...(sqliteDir ? { SQLITE_PATH: join(sqliteDir, 'test.sqlite') } : {}),
          ...environment,
        },
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error', 'warn'] });
  configureApp(app);
  await app.init();
  return {
    app,
    http: app.getHttpServer() as App,
    close: async () => {
      await app.close();
      if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
    },
  };
}
