import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ApiKeyGuard } from '../common/api-key.guard';
import { KillBodyDto, TradingEquityQueryDto, TradingListQueryDto } from './dto/trading-query.dto';
import {
  EquityPageResponse,
  FillPageResponse,
  KillResponse,
  OrderPageResponse,
  PositionPageResponse,
  ResumeResponse,
  TradingStatusResponse,
} from './dto/trading.response';
import { TradingControlService } from './trading-control.service';
import { TradingQueryService } from './trading-query.service';

@ApiTags('trading')
@Controller('trading')
export class TradingController {
  constructor(
    private readonly query: TradingQueryService,
    private readonly control: TradingControlService,
  ) {}

  @Get('status')
  @ApiOperation({ summary: 'Mode (paper | live), whether live is enabled, kill switch, symbols, risk limits, last candle processed' })
  @ApiOkResponse({ type: TradingStatusResponse })
  status(): Promise<TradingStatusResponse> {
    return this.query.status();
  }

  @Get('positions')
  @ApiOperation({ summary: 'Open positions of the current mode' })
  @ApiOkResponse({ type: PositionPageResponse })
  positions(): Promise<PositionPageResponse> {
    return this.query.positions();
  }

  @Get('orders')
  @ApiOperation({ summary: 'Orders of the current mode, newest first, paged' })
  @ApiOkResponse({ type: OrderPageResponse })
  @ApiBadRequestResponse({ description: 'A query parameter breaks its rule; the message names it' })
  orders(@Query() query: TradingListQueryDto): Promise<OrderPageResponse> {
    return this.query.orders(query.symbol, query.limit, query.cursor);
  }

  @Get('fills')
  @ApiOperation({ summary: 'Fills of the current mode, newest first, paged' })
  @ApiOkResponse({ type: FillPageResponse })
  @ApiBadRequestResponse({ description: 'A query parameter breaks its rule; the message names it' })
  fills(@Query() query: TradingListQueryDto): Promise<FillPageResponse> {
    return this.query.fills(query.symbol, query.limit, query.cursor);
  }

  @Get('equity')
  @ApiOperation({ summary: 'Equity, cash and position value at each processed close, oldest first, paged' })
  @ApiOkResponse({ type: EquityPageResponse })
  @ApiBadRequestResponse({ description: 'A query parameter breaks its rule; the message names it' })
  equity(@Query() query: TradingEquityQueryDto): Promise<EquityPageResponse> {
    return this.query.equity(query);
  }

  @Post('kill')
  @HttpCode(HttpStatus.OK)
  @UseGuards(ApiKeyGuard)
  @ApiSecurity('api-key')
  @ApiOperation({ summary: 'Kill switch: stop trading (persisted, survives restarts) and cancel every open order; positions stay' })
  @ApiOkResponse({ type: KillResponse })
  @ApiUnauthorizedResponse({ description: 'x-api-key missing or wrong (when API_KEY is set)' })
  kill(@Body() body: KillBodyDto): Promise<KillResponse> {
    return this.control.kill(body.reason ?? 'POST /api/trading/kill');
  }

  @Post('resume')
  @HttpCode(HttpStatus.OK)
  @UseGuards(ApiKeyGuard)
  @ApiSecurity('api-key')
  @ApiOperation({ summary: 'Undo the kill switch; trading resumes from the newest closed candle (missed candles are not traded late)' })
  @ApiOkResponse({ type: ResumeResponse })
  @ApiUnauthorizedResponse({ description: 'x-api-key missing or wrong (when API_KEY is set)' })
  resume(): Promise<ResumeResponse> {
    return this.control.resume();
  }
}
