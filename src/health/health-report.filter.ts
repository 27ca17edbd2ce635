import { type ArgumentsHost, Catch, type ExceptionFilter, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';

/**
 * `/health` answers its report (terminus's `{status, info, error, details}`) with the 503 too, as documented by
 * @HealthCheck: monitors read the same body whatever the status, and it says which dependency is down. The one
 * answer that is not an ErrorResponse (besides the import's per-file report).
 */
@Catch(ServiceUnavailableException)
export class HealthReportFilter implements ExceptionFilter {
  catch(exception: ServiceUnavailableException, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(exception.getStatus()).json(exception.getResponse());
  }
}
