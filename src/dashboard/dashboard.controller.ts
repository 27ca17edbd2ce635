import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DashboardSourcesResponse } from './dto/dashboard-sources.response';
import { DashboardSourcesService } from './dashboard-sources.service';

@ApiTags('dashboard')
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly sources: DashboardSourcesService) {}

  @Get('sources')
  @ApiOperation({
    summary: 'What the built-in dashboard (GET /) can show: which optional read endpoints this app serves, and the next scheduled retrain',
    description:
      'trading = GET /api/trading/status and /api/trading/equity, backtests = GET /api/backtests and /api/backtests/:id/equity, ' +
      'indexing = GET /api/indexing/status. retrain is null when MODEL_RETRAIN_CRON is unset (no scheduled retraining).',
  })
  @ApiOkResponse({ type: DashboardSourcesResponse })
  get(): DashboardSourcesResponse {
    return this.sources.describe();
  }
}
