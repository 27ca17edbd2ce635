import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { downsampleMinMax } from '../common/downsample';
import { ApiKeyGuard } from '../common/api-key.guard';
import { ApiJobQueueFull, JobQueueFullFilter } from '../platform/jobs';
import { ParseIdPipe } from '../common/validation';
import { BacktestRunnerService } from './backtest-runner.service';
import { BacktestStore } from './backtest-store';
import { backtestView, equityView, tradeView } from './backtest-view';
import { EquityQueryDto, ListBacktestsQueryDto, PageQueryDto } from './dto/backtest-query.dto';
import { BacktestCreatedResponse, BacktestPageResponse, BacktestResponse, EquityPageResponse, TradePageResponse } from './dto/backtest.response';
import { CreateBacktestBodyDto } from './dto/create-backtest.body.dto';

const ID_PIPE = new ParseIdPipe();

@ApiTags('backtests')
@Controller('backtests')
@UseFilters(JobQueueFullFilter)
export class BacktestsController {
  constructor(
    private readonly runner: BacktestRunnerService,
    private readonly store: BacktestStore,
  ) {}

  @Post()
  @UseGuards(ApiKeyGuard)
  @ApiSecurity('api-key')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: "Backtest a ready model over a range of stored klines (runs in the background)",
    description:
      "Predictions for the range are made first if missing (the model's predict-range path). Long-only spot, one position: the " +
      'prediction of candle t is acted on at the OPEN of candle t+1, with fee_rate (default 0.001) and slippage_bps (default 5) on ' +
      'every fill and Binance LOT_SIZE / NOTIONAL rules. An open position is sold at the last close. Reported beside three baselines ' +
      'through the same fill model: buy-and-hold, always flat, momentum. summary.overlaps_training is true when the range overlaps ' +
      "the model's training range (an in-sample result). Poll GET /api/backtests/:id.",
  })
  @ApiAcceptedResponse({ type: BacktestCreatedResponse })
  @ApiBadRequestResponse({ description: 'A parameter breaks its rule or the range holds too few candles; `errors` names the field' })
  @ApiNotFoundResponse({ description: 'No model with this id' })
  @ApiConflictResponse({ description: 'The model is not ready' })
  @ApiJobQueueFull()
  async create(@Body() body: CreateBacktestBodyDto): Promise<BacktestCreatedResponse> {
    const backtest = await this.runner.submit(body);
    return { id: backtest.id, status: backtest.status };
  }

  @Get()
  @ApiOperation({ summary: 'Backtests, newest first (with their metrics and baselines)' })
  @ApiOkResponse({ type: BacktestPageResponse })
  async list(@Query() query: ListBacktestsQueryDto): Promise<BacktestPageResponse> {
    const page = await this.store.list(query);
    return { data: page.data.map(backtestView), next: page.next };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One backtest: status, settings, metrics and baselines' })
  @ApiOkResponse({ type: BacktestResponse })
  @ApiNotFoundResponse({ description: 'No backtest with this id' })
  async get(@Param('id', ID_PIPE) id: number): Promise<BacktestResponse> {
    return backtestView(await this.store.get(id));
  }

  @Get(':id/equity')
  @ApiOperation({ summary: "Equity curve, one point per candle (valued at its close), oldest first, with buy-and-hold's and the drawdown" })
  @ApiOkResponse({ type: EquityPageResponse })
  @ApiNotFoundResponse({ description: 'No backtest with this id' })
  async equity(@Param('id', ID_PIPE) id: number, @Query() query: EquityQueryDto): Promise<EquityPageResponse> {
    await this.store.get(id);
    if (query.max_points !== undefined) {
      const rows = await this.store.equityCurve(id);
      const drawn = downsampleMinMax(rows, query.max_points, (row) => row.equity);
      return { data: drawn.map(equityView), next: null, total_points: rows.length, downsampled: drawn.length < rows.length };
    }
    const page = await this.store.equityPage(id, query.limit, query.cursor);
    return { data: page.data.map(equityView), next: page.next };
  }

  @Get(':id/trades')
  @ApiOperation({ summary: 'Round trips in order of entry' })
  @ApiOkResponse({ type: TradePageResponse })
  @ApiNotFoundResponse({ description: 'No backtest with this id' })
  async trades(@Param('id', ID_PIPE) id: number, @Query() query: PageQueryDto): Promise<TradePageResponse> {
    await this.store.get(id);
    const page = await this.store.tradesPage(id, query.limit, query.cursor);
    return { data: page.data.map(tradeView), next: page.next };
  }
}
