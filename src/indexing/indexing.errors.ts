import { HttpStatus } from '@nestjs/common';
import { ApiError, type FieldError } from '../common/error-response';

export enum IndexingErrorCode {
  Disabled = 'INDEXING_DISABLED',
  NoReader = 'NO_READER',
  Unavailable = 'ELASTICSEARCH_UNAVAILABLE',
}

/** Failures of the indexing layer a caller can act on; the code picks the HTTP status, and ApiExceptionFilter (src/common) answers it. */
export class IndexingError extends ApiError<IndexingErrorCode> {
  constructor(code: IndexingErrorCode, message: string, fields: FieldError[] = []) {
    super(code, httpStatusOf(code), message, fields);
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
