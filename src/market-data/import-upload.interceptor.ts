import {
  type CallHandler,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  type NestInterceptor,
  PayloadTooLargeException,
} from '@nestjs/common';
import type { Response } from 'express';
import { catchError, finalize, type Observable, throwError } from 'rxjs';
import { errorResponse } from '../common/error-response';
import { badField, type FieldError } from '../common/validation';
import { IMPORT_LIMITS, ImportLimitExceeded, type ImportLimits } from './archive/import-limits';
import type { FileImportResult } from './archive/kline-import.service';

/** What a refused second import is told to wait, in seconds: a typical archive imports in a few. */
export const IMPORT_RETRY_AFTER_SECONDS = 10;

/**
 * Bound before FilesInterceptor on the import route. It takes the app's single import slot before the upload is
 * received (a refused import costs no disk) and frees it only once the handler has stopped working, and it turns
 * multer's size and count errors into 413s naming the variable that sets the limit. Nest creates one instance per
 * module, so `busy` is shared by every import request of the app.
 */
@Injectable()
export class ImportUploadInterceptor implements NestInterceptor {
  private busy = false;

  constructor(@Inject(IMPORT_LIMITS) private readonly limits: ImportLimits) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.busy) {
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(IMPORT_RETRY_AFTER_SECONDS));
      const message = `another kline import is running and imports run one at a time: retry in ${IMPORT_RETRY_AFTER_SECONDS} s`;
      throw new HttpException(
        errorResponse({ statusCode: HttpStatus.TOO_MANY_REQUESTS, code: 'IMPORT_BUSY', message, errors: [{ field: 'files', rule: 'oneImportAtATime', message }] }),
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    this.busy = true;
    return next.handle().pipe(
      catchError((error: unknown) => throwError(() => this.uploadError(error) ?? error)),
      finalize(() => {
        this.busy = false;
      }),
    );
  }

  /** multer's errors in the project's shape; an upload cut short by its client is no server error either. */
  private uploadError(error: unknown): HttpException | undefined {
    if (error instanceof Error && (error.message === 'Request aborted' || error.message === 'Request closed')) {
      return badField('files', 'uploadInterrupted', 'files: the upload ended before it was complete; nothing was imported');
    }
    const code = error instanceof HttpException ? (error.cause as { code?: unknown } | undefined)?.code : undefined;
    if (code === 'LIMIT_FILE_SIZE') {
      return importLimitException(new ImportLimitExceeded('IMPORT_MAX_UPLOAD_BYTES', this.limits.maxUploadBytes, 'an uploaded file'), NOTHING_IMPORTED);
    }
    if (code === 'LIMIT_FILE_COUNT') {
      return importLimitException(new ImportLimitExceeded('IMPORT_MAX_FILES', this.limits.maxFiles, 'the number of uploaded files'), NOTHING_IMPORTED);
    }
    return undefined;
  }
}

const NOTHING_IMPORTED = 'the upload was refused and nothing was imported';

/**
 * A 413 in the project's error shape naming the limit's variable; `files` lists the results of the files read, the
 * last one being the file that passed the limit.
 */
export function importLimitException(exceeded: ImportLimitExceeded, consequence: string, files: FileImportResult[] = []): PayloadTooLargeException {
  const message = `${exceeded.message}: ${consequence}`;
  const errors: FieldError[] = [{ field: 'files', rule: exceeded.variable, message }];
  return new PayloadTooLargeException({ ...errorResponse({ statusCode: HttpStatus.PAYLOAD_TOO_LARGE, code: 'IMPORT_LIMIT_EXCEEDED', message, errors }), files });
}
