import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Post,
  Query,
  Req,
  Res,
  UploadedFiles,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { FilesInterceptor } from '@nestjs/platform-express';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiSecurity,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { rm } from 'node:fs/promises';
import { ApiKeyGuard } from '../common/api-key.guard';
import { badField } from '../common/validation';
import { KlineImportService } from './archive/kline-import.service';
import { IMPORT_RETRY_AFTER_SECONDS, importLimitException, ImportUploadInterceptor } from './import-upload.interceptor';
import { ImportKlinesBodyDto } from './dto/import-klines.body.dto';
import { GetKlinesQueryDto, SymbolIntervalQueryDto } from './dto/kline-query.dto';
import { CoverageResponse, ImportResponse, KlinePageResponse, StoredPairResponse } from './dto/kline.response';
import { KlinesService } from './klines.service';

@ApiTags('market data')
@Controller()
export class KlinesController {
  constructor(
    private readonly klines: KlinesService,
    private readonly importer: KlineImportService,
  ) {}

  @Get('klines')
  @ApiOperation({ summary: 'Stored klines of one symbol and interval, oldest first, paged' })
  @ApiOkResponse({ type: KlinePageResponse })
  @ApiBadRequestResponse({ description: 'A query parameter breaks its rule; the message names it' })
  getKlines(@Query() query: GetKlinesQueryDto): Promise<KlinePageResponse> {
    return this.klines.page(query);
  }

  @Get('klines/coverage')
  @ApiOperation({ summary: 'First and last stored candle, count, and every gap (runs of missing candles)' })
  @ApiOkResponse({ type: CoverageResponse })
  getCoverage(@Query() query: SymbolIntervalQueryDto): Promise<CoverageResponse> {
    return this.klines.coverage(query.symbol, query.interval);
  }

  @Get('symbols')
  @ApiOperation({ summary: 'Stored symbol × interval pairs with counts and ranges' })
  @ApiOkResponse({ type: [StoredPairResponse] })
  getSymbols(): Promise<StoredPairResponse[]> {
    return this.klines.storedPairs();
  }

  @Post('klines/import')
  @UseGuards(ApiKeyGuard)
  @ApiSecurity('api-key')
  @HttpCode(HttpStatus.OK)
  // Upload directory and size/count limits come from MulterModule (market-data.module.ts), read from the environment.
  @UseInterceptors(ImportUploadInterceptor, FilesInterceptor('files'))
  @ApiOperation({
    summary: 'Import Binance kline archive files (.csv or .zip from data.binance.vision)',
    description:
      'Each file is imported all-or-nothing. Re-importing stored candles changes nothing; overlapping files only add ' +
      'what is missing. Answers 200 when every file was imported, 422 (same body) when any file was rejected. ' +
      'Imports run one at a time and stop when the client disconnects; sizes are bounded (README, Security › Imports).',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['files'],
      properties: {
        files: { type: 'array', items: { type: 'string', format: 'binary' } },
        symbol: { type: 'string', example: 'BTCUSDT' },
        interval: { type: 'string', example: '1h' },
      },
    },
  })
  @ApiOkResponse({ type: ImportResponse })
  @ApiBadRequestResponse({ description: 'No file, a bad symbol or interval field, or an upload its client cut short (rule uploadInterrupted)' })
  @ApiUnprocessableEntityResponse({ type: ImportResponse, description: 'At least one file was rejected' })
  @ApiPayloadTooLargeResponse({
    description:
      'A limit was passed (upload size or file count, or a CSV, archive or line too large once read); errors[0].rule ' +
      'names its variable (IMPORT_MAX_*). Nothing of that file was stored, later files were not read; `files` lists ' +
      'the files read, those before it stay imported.',
  })
  @ApiTooManyRequestsResponse({ description: `Another import is running; retry after the Retry-After header (${IMPORT_RETRY_AFTER_SECONDS} s)` })
  async importKlines(
    @UploadedFiles() files: Express.Multer.File[] | undefined,
    @Body() body: ImportKlinesBodyDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ImportResponse> {
    if (!files || files.length === 0) throw badField('files', 'required', 'files: at least one archive file is required');
    // A client that disconnects abandons its import: the reading stops and the current file is rolled back.
    const clientGone = new AbortController();
    const abortUnlessAnswered = () => {
      if (!response.writableFinished) clientGone.abort();
    };
    response.once('close', abortUnlessAnswered);
    if (request.socket.destroyed) abortUnlessAnswered(); // gone while the upload was being stored
    try {
      const batch = await this.importer.importFiles(
        files.map((file) => ({ name: file.originalname, path: file.path })),
        body,
        clientGone.signal,
      );
      if (batch.stop?.reason === 'limit') {
        throw importLimitException(batch.stop.exceeded, 'nothing of that file was stored and later files were not read', batch.files);
      }
      const rejected = batch.files.filter((result) => result.status === 'rejected').length;
      if (rejected > 0) response.status(HttpStatus.UNPROCESSABLE_ENTITY);
      return { files: batch.files, imported_files: batch.files.length - rejected, rejected_files: rejected };
    } finally {
      response.off('close', abortUnlessAnswered);
      await Promise.all(files.map((file) => rm(file.path, { force: true })));
    }
  }
}
