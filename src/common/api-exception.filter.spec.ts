import { BadRequestException, ConflictException, Controller, Get, HttpStatus, type INestApplication, Logger, Module, NotFoundException } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { App } from 'supertest/types';
import { ApiExceptionFilter } from './api-exception.filter';
import { ApiError } from './error-response';

const SECRET = 'mysql://root:hunter2@db.internal/opa';

class ExampleError extends ApiError<'EXAMPLE_BROKEN'> {
  constructor() {
    super('EXAMPLE_BROKEN', HttpStatus.CONFLICT, 'the example is broken', [{ field: 'example', rule: 'works', message: 'example: broken' }]);
  }
}

/** Routes that throw what controllers, services and Nest's own pipes throw. */
@Controller()
class ThrowingController {
  @Get('unexpected')
  unexpected(): never {
    throw new Error(`connect failed: ${SECRET}`);
  }

  @Get('module-error')
  moduleError(): never {
    throw new ExampleError();
  }

  @Get('not-found')
  notFound(): never {
    throw new NotFoundException('no such thing');
  }

  @Get('conflict')
  conflict(): never {
    throw new ConflictException();
  }

  @Get('nest-validation')
  nestValidation(): never {
    // What Nest's ValidationPipe throws without our exceptionFactory: a message array, repeated lines included.
    throw new BadRequestException(['limit must be positive', 'limit must be positive', 'symbol is required']);
  }

  @Get('rejected-value')
  rejectedValue(): Promise<never> {
    return Promise.reject(new Error('a rejection, not a throw'));
  }
}

@Module({ controllers: [ThrowingController], providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }] })
class ThrowingModule {}

describe('ApiExceptionFilter', () => {
  let app: INestApplication;
  let http: App;
  const logged: string[] = [];
  beforeAll(async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
      logged.push(String(message));
    });
    const moduleRef = await Test.createTestingModule({ imports: [ThrowingModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    http = app.getHttpServer() as App;
  });
  afterAll(async () => {
    await app?.close();
    jest.restoreAllMocks();
  });

  it('an unexpected error is a 500 INTERNAL_ERROR whose details go to the log, not to the client', async () => {
    const response = await request(http).get('/unexpected').expect(500);
    expect(response.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      code: 'INTERNAL_ERROR',
      message: 'Internal server error (details are in the server log)',
    });
    expect(JSON.stringify(response.body)).not.toContain('hunter2');
    expect(logged.some((line) => line.includes('connect failed'))).toBe(true);
    await request(http).get('/rejected-value').expect(500);
  });

  it('a module error keeps its code, status and field errors', async () => {
    const response = await request(http).get('/module-error').expect(409);
    expect(response.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      code: 'EXAMPLE_BROKEN',
      message: 'the example is broken',
      errors: [{ field: 'example', rule: 'works', message: 'example: broken' }],
    });
  });

  it("Nest's exceptions get a code from their status and a one-line message", async () => {
    expect((await request(http).get('/not-found').expect(404)).body).toEqual({ statusCode: 404, error: 'Not Found', code: 'NOT_FOUND', message: 'no such thing' });
    expect((await request(http).get('/conflict').expect(409)).body).toEqual({ statusCode: 409, error: 'Conflict', code: 'CONFLICT', message: 'Conflict' });
    expect((await request(http).get('/nest-validation').expect(400)).body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'BAD_REQUEST',
      message: 'limit must be positive; symbol is required',
    });
  });
});
