import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { API_KEY_HEADER } from './common/api-key.guard';
import { createValidationPipe } from './common/validation';
import { serveDashboard } from './dashboard/dashboard-assets';

const JSON_BODY_LIMIT = '1mb';

/**
 * Helmet's default CSP (scripts, styles, connections from this origin only; no inline script) without
 * `upgrade-insecure-requests`: the app serves plain HTTP, and a browser reaching it at http://<host>:3000 would
 * otherwise fetch the dashboard's scripts over https and fail.
 */
const CONTENT_SECURITY_POLICY = { directives: { 'script-src': ["'self'"], 'connect-src': ["'self'"], 'upgrade-insecure-requests': null } };

/** Everything main.ts and the e2e tests both need: prefix, security headers, validation, Swagger, the dashboard page. */
export function configureApp(app: NestExpressApplication): INestApplication {
  const config = app.get(ConfigService);
  app.setGlobalPrefix('api', { exclude: ['health'] });
  app.use(helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY }));
  serveDashboard(app);
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  app.useBodyParser('urlencoded', { limit: JSON_BODY_LIMIT, extended: false });
  const origins = config.get<string>('CORS_ORIGINS');
  if (origins) app.enableCors({ origin: origins.split(',').map((origin) => origin.trim()) });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('OPA Crypto')
      .setDescription(
        'Binance klines in MySQL, a random-forest buy/sell model, Elasticsearch results and paper/live trading. ' +
          `Mutating endpoints need the \`${API_KEY_HEADER}\` header when API_KEY is set.`,
      )
      .setVersion('0.1.0')
      .addApiKey({ type: 'apiKey', name: API_KEY_HEADER, in: 'header' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
