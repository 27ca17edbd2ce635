import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { IsNotBefore, IsTimeParam } from '../../common/time-param';
import { BINANCE_INTERVALS, type BinanceInterval } from '../binance-interval';
import { SYMBOL_PATTERN } from '../kline-record';

export const MAX_KLINES_PER_PAGE = 1000;

export class SymbolIntervalQueryDto {
  @ApiProperty({ example: 'BTCUSDT', description: 'Binance symbol, upper case', pattern: SYMBOL_PATTERN.source })
  @IsString({ message: 'symbol must be a single string' })
  @Matches(SYMBOL_PATTERN, { message: `symbol must match ${SYMBOL_PATTERN.source} (upper-case Binance symbol such as BTCUSDT)` })
  symbol!: string;

  @ApiProperty({ example: '1h', enum: BINANCE_INTERVALS, description: 'Binance kline interval' })
  @IsIn(BINANCE_INTERVALS, { message: `interval must be one of Binance's intervals: ${BINANCE_INTERVALS.join(', ')}` })
  interval!: BinanceInterval;
}

export class GetKlinesQueryDto extends SymbolIntervalQueryDto {
  @ApiPropertyOptional({
    description: 'Earliest open time, inclusive: ISO-8601 (UTC when no zone is given) or epoch milliseconds',
    example: '2024-01-01T00:00:00Z',
    type: String,
  })
  @IsOptional()
  @IsTimeParam()
  start?: number;

  @ApiPropertyOptional({
    description: 'Latest open time, inclusive: ISO-8601 or epoch milliseconds',
    example: '2024-01-31T23:00:00Z',
    type: String,
  })
  @IsOptional()
  @IsTimeParam()
  @IsNotBefore('start', { message: 'end must not be before start' })
  end?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_KLINES_PER_PAGE, default: 500, description: 'Klines per page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `limit must be an integer from 1 to ${MAX_KLINES_PER_PAGE}` })
  @Min(1, { message: `limit must be an integer from 1 to ${MAX_KLINES_PER_PAGE}` })
  @Max(MAX_KLINES_PER_PAGE, { message: `limit must be an integer from 1 to ${MAX_KLINES_PER_PAGE}` })
  limit = 500;

  @ApiPropertyOptional({
    description: 'The `next` value of the previous page; continues where it stopped (replaces start)',
    example: '1704067200000',
  })
  @IsOptional()
  @Matches(/^\d{1,15}$/, { message: 'cursor must be the `next` value of a previous page' })
  cursor?: string;
}
