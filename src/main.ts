import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './bootstrap';
import { EnvironmentError } from './config/environment';

async function bootstrap(): Promise<void> {
  const logLevel = process.env.LOG_LEVEL ?? 'log';
  const levels = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), {
    logger: levels.slice(0, Math.max(1, levels.indexOf(logLevel as (typeof levels)[number]) + 1)),
    abortOnError: false,
  });
  configureApp(app);
  const config = app.get(ConfigService);
  const logger = new Logger('Bootstrap');
  const apiKey = config.get<string>('API_KEY');
  // Without an API key the mutating endpoints are open, so only this machine may reach them.
  const host = apiKey ? (config.get<string>('HOST') ?? '0.0.0.0') : '127.0.0.1';
  if (!apiKey) {
    logger.warn(
      'API_KEY is not set: listening on 127.0.0.1 only, for Host localhost, 127.0.0.1 or [::1], with changes accepted ' +
        "from this app's own pages only (README, Security). Set API_KEY to accept remote requests.",
    );
  }
  const port = config.getOrThrow<number>('PORT');
  await app.listen(port, host);
  const database = config.get<string>('DATABASE_URL') ? 'MySQL (DATABASE_URL)' : `SQLite ${config.get<string>('SQLITE_PATH')}`;
  logger.log(`OPA Crypto listening on http://${host}:${port} (API /api, Swagger UI /docs), database: ${database}`);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof EnvironmentError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    new Logger('Bootstrap').error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  process.exit(1);
});
