import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Post,
  Query,
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
  ApiSecurity,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { ApiKeyGuard } from '../common/api-key.guard';
import { badField } from '../common/validation';
import { KlineImportService } from './archive/kline-import.service';
import { ImportKlinesBodyDto } from './dto/import-klines.body.dto';
import { GetKlinesQueryDto, SymbolIntervalQueryDto } from './dto/kline-query.dto';
import { CoverageResponse, ImportResponse, KlinePageResponse, StoredPairResponse } from './dto/kline.response';
import { KlinesService } from './klines.service';

const MAX_UPLOAD_FILES = 100;
const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

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
  @UseInterceptors(FilesInterceptor('files', MAX_UPLOAD_FILES, { dest: tmpdir(), limits: { fileSize: MAX_UPLOAD_BYTES } }))
  @ApiOperation({
    summary: 'Import Binance kline archive files (.csv or .zip from data.binance.vision)',
    description:
      'Each file is imported all-or-nothing. Re-importing stored candles changes nothing; overlapping files only add ' +
      'what is missing. Answers 200 when every file was imported, 422 (same body) when any file was rejected.',
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
  @ApiUnprocessableEntityResponse({ type: ImportResponse, description: 'At least one file was rejected' })
  async importKlines(
    @UploadedFiles() files: Express.Multer.File[] | undefined,
    @Body() body: ImportKlinesBodyDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ImportResponse> {
    if (!files || files.length === 0) throw badField('files', 'required', 'files: at least one archive file is required');
    try {
      const results = await this.importer.importFiles(
        files.map((file) => ({ name: file.originalname, path: file.path })),
        body,
      );
      const rejected = results.filter((result) => result.status === 'rejected').length;
      if (rejected > 0) response.status(HttpStatus.UNPROCESSABLE_ENTITY);
      return { files: results, imported_files: results.length - rejected, rejected_files: rejected };
    } finally {
      await Promise.all(files.map((file) => rm(file.path, { force: true })));
    }
  }
}
