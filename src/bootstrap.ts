import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, getSchemaPath, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { API_KEY_HEADER } from './common/api-key.guard';
import { DEFAULT_BODY_TYPE } from './common/body-type.guard';
import { ErrorResponse, FieldErrorResponse } from './common/error-response';
import { JSON_MAX_DEPTH, refuseUnsafeJson } from './common/json-body.middleware';
import { keylessLocalOnly, MUTATING_METHODS } from './common/local-only.middleware';
import { KILL_SWITCH_PATH, rateLimits } from './common/rate-limit.middleware';
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
  const apiKey = config.get<string>('API_KEY');
  const origins = (config.get<string>('CORS_ORIGINS') ?? '').split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
  app.setGlobalPrefix('api', { exclude: ['health'] });
  // Order matters: everything below runs before the static files, Swagger and the routes, in this order.
  app.use(helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY }));
  if (!apiKey) app.use(keylessLocalOnly(origins));
  app.use(
    rateLimits({
      perMinute: config.getOrThrow<number>('RATE_LIMIT_PER_MINUTE'),
      killPerMinute: config.getOrThrow<number>('RATE_LIMIT_KILL_PER_MINUTE'),
      apiKey,
    }),
  );
  serveDashboard(app);
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  // No endpoint takes forms (BodyTypeGuard answers 415); registered only so that Nest does not add its own
  // parser with nested (qs) syntax at init.
  app.useBodyParser('urlencoded', { limit: JSON_BODY_LIMIT, extended: false });
  app.use(refuseUnsafeJson());
  if (origins.length > 0) app.enableCors({ origin: origins });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('OPA Crypto')
      .setDescription(
        'Binance klines in SQLite (embedded default) or MySQL (production, DATABASE_URL), a random-forest buy/sell model, Elasticsearch results and paper/live trading. ' +
          `Mutating endpoints need the \`${API_KEY_HEADER}\` header when API_KEY is set; without it, only requests for ` +
          'Host localhost, 127.0.0.1 or [::1] are served, and changes only from the app\'s own pages. Bodies: application/json ' +
          '(multipart/form-data for the import).',
      )
      .setVersion('0.1.0')
      .addApiKey({ type: 'apiKey', name: API_KEY_HEADER, in: 'header' }, 'api-key')
      .build(),
    { extraModels: [ErrorResponse, FieldErrorResponse] },
  );
  documentRequestRules(document);
  documentErrorBodies(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

type Operation = NonNullable<OpenAPIObject['paths'][string]['post']>;

/**
 * Adds the answers of the middleware and guards in front of every route (they have no decorators to carry them):
 * 429 everywhere, 403 for keyless requests from elsewhere, and, for changes, 415 and the JSON body rules' 400.
 */
function documentRequestRules(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const mutating = MUTATING_METHODS.has(method.toUpperCase());
      const responses = operation.responses;
      // Path and query parameters go through the validation pipe or ParseIdPipe: a bad one is a 400 naming it.
      const parameters = (operation.parameters ?? []).filter((parameter) => 'in' in parameter && ['path', 'query'].includes(parameter.in));
      if (parameters.length > 0) {
        responses['400'] ??= { description: `A parameter breaks its rule (${parameters.map((parameter) => ('name' in parameter ? parameter.name : '')).join(', ')}); \`errors\` names it` };
      }
      responses['429'] ??= {
        description:
          path === KILL_SWITCH_PATH
            ? 'More than RATE_LIMIT_KILL_PER_MINUTE kill calls a minute from this client (calls with a wrong API key have their own budget); see Retry-After'
            : 'More than RATE_LIMIT_PER_MINUTE requests a minute from this client, all routes together; see Retry-After',
      };
      responses['403'] ??= {
        description: mutating
          ? 'Without API_KEY: Host is not localhost, 127.0.0.1 or [::1], or Origin / Sec-Fetch-Site says another site sent the request'
          : 'Without API_KEY: Host is not localhost, 127.0.0.1 or [::1]',
      };
      if (!mutating) continue;
      responses['415'] ??= { description: `Content-Type is not ${consumedType(operation)} (a request without a body needs none)` };
      const bodyRules = `a JSON body nested more than ${JSON_MAX_DEPTH} levels deep, or with a __proto__, constructor or prototype key`;
      const badRequest = responses['400'];
      if (badRequest && 'description' in badRequest) badRequest.description = `${badRequest.description}; or ${bodyRules}`;
      else responses['400'] = { description: bodyRules.charAt(0).toUpperCase() + bodyRules.slice(1) };
    }
  }
}

/**
 * Every error answer (4xx and 5xx) an operation documents has the ErrorResponse body; the declarations on the
 * controllers give only the description, and this adds the one shared schema to them.
 */
function documentErrorBodies(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      for (const [status, response] of Object.entries(item[method]?.responses ?? {})) {
        // A response that declares its own body keeps it: the import's 422 is its per-file report, as its 200 is.
        if (Number(status) < 400 || !response || !('description' in response) || response.content) continue;
        response.content = { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponse) } } };
      }
    }
  }
}

function consumedType(operation: Operation): string {
  const declared = operation.requestBody && 'content' in operation.requestBody ? Object.keys(operation.requestBody.content) : [];
  return declared.length > 0 ? declared.join(' or ') : DEFAULT_BODY_TYPE;
}
