import { applyDecorators, type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { ErrorResponse, errorResponse } from '../../common/error-response';

/** A submission refused because its kind of job already fills JOBS_MAX_QUEUED; JobQueueFullFilter answers 429. */
export class JobQueueFullError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'JobQueueFullError';
  }
}

/** 429 with Retry-After, in the body shape of the app's other errors. */
@Catch(JobQueueFullError)
export class JobQueueFullFilter implements ExceptionFilter {
  catch(error: JobQueueFullError, host: ArgumentsHost): void {
    const status = HttpStatus.TOO_MANY_REQUESTS;
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(status)
      .setHeader('Retry-After', String(error.retryAfterSeconds))
      .json(errorResponse({ statusCode: status, code: 'JOB_QUEUE_FULL', message: error.message }));
  }
}

/** Swagger for an endpoint that submits a job: the 429 JobQueueFullFilter gives when the kind's queue is full. */
export function ApiJobQueueFull(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiTooManyRequestsResponse({
      type: ErrorResponse,
      description: 'As many jobs of this kind as JOBS_MAX_QUEUED allows are queued or running; the message names the cap',
      headers: { 'Retry-After': { description: 'Seconds to wait before submitting again', schema: { type: 'integer' } } },
    }),
  );
}
