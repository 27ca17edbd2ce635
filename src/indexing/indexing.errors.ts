import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import type { FieldError } from '../common/validation';

export enum IndexingErrorCode {
  Disabled = 'INDEXING_DISABLED',
  NoReader = 'NO_READER',
  Unavailable = 'ELASTICSEARCH_UNAVAILABLE',
}

/** Failures of the indexing layer a caller can act on; IndexingExceptionFilter maps codes to HTTP statuses. */
export class IndexingError extends Error {
  constructor(
    readonly code: IndexingErrorCode,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'IndexingError';
  }
}

export function httpStatusOf(code: IndexingErrorCode): HttpStatus {
  switch (code) {
    case IndexingErrorCode.Disabled:
    case IndexingErrorCode.NoReader:
      return HttpStatus.CONFLICT;
    case IndexingErrorCode.Unavailable:
      return HttpStatus.SERVICE_UNAVAILABLE;
  }
}

@Catch(IndexingError)
export class IndexingExceptionFilter implements ExceptionFilter {
  catch(error: IndexingError, host: ArgumentsHost): void {
    const status = httpStatusOf(error.code);
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(status)
      .json({ statusCode: status, error: status === HttpStatus.CONFLICT ? 'Conflict' : 'Service Unavailable', code: error.code, message: [error.message], errors: error.fields });
  }
}
