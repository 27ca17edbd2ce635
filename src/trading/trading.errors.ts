import { HttpStatus } from '@nestjs/common';
import { ApiError, type FieldError } from '../common/error-response';

export enum TradingErrorCode {
  InvalidParameters = 'INVALID_PARAMETERS',
  ExchangeUnavailable = 'EXCHANGE_UNAVAILABLE',
}

/** Failures of the trading layer a caller can act on; the code picks the HTTP status, and ApiExceptionFilter (src/common) answers it. */
export class TradingError extends ApiError<TradingErrorCode> {
  constructor(code: TradingErrorCode, message: string, fields: FieldError[] = []) {
    super(code, statusOf(code), message, fields);
    this.name = 'TradingError';
  }

  static invalid(field: string, message: string, rule = 'invalid'): TradingError {
    return new TradingError(TradingErrorCode.InvalidParameters, message, [{ field, rule, message }]);
  }
}

function statusOf(code: TradingErrorCode): HttpStatus {
  switch (code) {
    case TradingErrorCode.InvalidParameters:
      return HttpStatus.BAD_REQUEST;
    case TradingErrorCode.ExchangeUnavailable:
      return HttpStatus.BAD_GATEWAY;
  }
}
