import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { BINANCE_INTERVALS } from '../../market-data/binance-interval';
import { MaxPointsParam } from '../../common/max-points.param';
import { IsNotBefore, IsTimeParam } from '../../common/time-param';

const SYMBOL = /^[A-Z0-9]{2,20}$/;
export const MAX_TRADING_PAGE = 1000;

/** The optional symbol filter every trading list takes. */
export class TradingSymbolQueryDto {
  @ApiPropertyOptional({ example: 'BTCUSDT', description: 'Only this symbol' })
  @IsOptional()
  @IsString({ message: 'symbol must be a single string' })
  @Matches(SYMBOL, { message: 'symbol must match ^[A-Z0-9]{2,20}$ (upper-case Binance symbol such as BTCUSDT)' })
  symbol?: string;
}

export class TradingListQueryDto extends TradingSymbolQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_TRADING_PAGE, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `limit must be an integer from 1 to ${MAX_TRADING_PAGE}` })
  @Min(1, { message: `limit must be an integer from 1 to ${MAX_TRADING_PAGE}` })
  @Max(MAX_TRADING_PAGE, { message: `limit must be an integer from 1 to ${MAX_TRADING_PAGE}` })
  limit = 100;

  @ApiPropertyOptional({ description: 'The `next` value of the previous page', example: '42' })
  @IsOptional()
  @Matches(/^\d{1,15}$/, { message: 'cursor must be the `next` value of a previous page' })
  cursor?: string;
}

export class TradingEquityQueryDto extends TradingSymbolQueryDto {
  @ApiPropertyOptional({ example: '1h', enum: BINANCE_INTERVALS, description: 'Only this interval' })
  @IsOptional()
  @IsIn(BINANCE_INTERVALS, { message: `interval must be one of ${BINANCE_INTERVALS.join(', ')}` })
  interval?: string;

  @MaxPointsParam('curve of one account (needs symbol and interval)')
  max_points?: number;

  @ApiPropertyOptional({ type: String, example: '2024-09-01T00:00:00Z', description: 'Earliest time: ISO-8601 or epoch ms' })
  @IsOptional()
  @IsTimeParam()
  start?: number;

  @ApiPropertyOptional({ type: String, example: '2024-09-30T00:00:00Z', description: 'Latest time, inclusive' })
  @IsOptional()
  @IsTimeParam()
  @IsNotBefore('start', { message: 'end must not be before start' })
  end?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_TRADING_PAGE, default: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `limit must be an integer from 1 to ${MAX_TRADING_PAGE}` })
  @Min(1, { message: `limit must be an integer from 1 to ${MAX_TRADING_PAGE}` })
  @Max(MAX_TRADING_PAGE, { message: `limit must be an integer from 1 to ${MAX_TRADING_PAGE}` })
  limit = 500;

  @ApiPropertyOptional({ description: 'The `next` value of the previous page', example: '1725148800000-BTCUSDT-1h' })
  @IsOptional()
  @Matches(/^\d{1,15}-[A-Z0-9]{2,20}-[0-9a-zA-Z]{2,3}$/, { message: 'cursor must be the `next` value of a previous page' })
  cursor?: string;
}

export class KillBodyDto {
  @ApiPropertyOptional({ example: 'manual stop', description: 'Why (kept with the switch, shown in status)' })
  @IsOptional()
  @IsString({ message: 'reason must be a string' })
  @MaxLength(200, { message: 'reason must be at most 200 characters' })
  reason?: string;
}
