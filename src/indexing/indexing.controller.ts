import { Body, Controller, Get, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiKeyGuard } from '../common/api-key.guard';
import { IndexingStatusResponse, ReindexResponse } from './dto/indexing.response';
import { ReindexBodyDto } from './dto/reindex.body.dto';
import { IndexingService } from './indexing.service';

@ApiTags('indexing')
@Controller('indexing')
export class IndexingController {
  constructor(private readonly indexing: IndexingService) {}

  @Get('status')
  @ApiOperation({ summary: 'Whether indexing is on, the outbox backlog, parked rows, the last drain and the indices' })
  @ApiOkResponse({ type: IndexingStatusResponse })
  status(): Promise<IndexingStatusResponse> {
    return this.indexing.status();
  }

  @Post('reindex')
  @UseGuards(ApiKeyGuard)
  @ApiSecurity('api-key')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Rebuild one index from the database',
    description:
      'Deletes the index, recreates it from its template and indexes every row read from MySQL (ids from natural keys, ' +
      'so nothing is duplicated). Answers when done. Parked outbox rows of that index are cleared when nothing failed.',
  })
  @ApiOkResponse({ type: ReindexResponse })
  @ApiBadRequestResponse({ description: 'index is not one of the known indices' })
  @ApiUnauthorizedResponse({ description: 'API_KEY is set and x-api-key is missing or wrong' })
  @ApiConflictResponse({ description: 'Indexing is off (ELASTICSEARCH_URL unset)' })
  @ApiServiceUnavailableResponse({ description: 'Elasticsearch could not be reached' })
  reindex(@Body() body: ReindexBodyDto): Promise<ReindexResponse> {
    return this.indexing.reindex(body.index);
  }
}
