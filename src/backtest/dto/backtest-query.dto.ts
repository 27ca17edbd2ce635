import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { BINANCE_INTERVALS } from '../../market-data/binance-interval';
import { SYMBOL_PATTERN } from '../../market-data/kline-record';
import { MaxPointsParam } from '../../common/max-points.param';

export const MAX_PAGE_ROWS = 1000;
const LIMIT_MESSAGE = `limit must be an integer from 1 to ${MAX_PAGE_ROWS}`;

/** limit + cursor, shared by every paged list of this module. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_ROWS, default: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: LIMIT_MESSAGE })
  @Min(1, { message: LIMIT_MESSAGE })
  @Max(MAX_PAGE_ROWS, { message: LIMIT_MESSAGE })
  limit = 500;

  @ApiPropertyOptional({ description: 'The `next` value of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,16}$/, { message: 'cursor must be the `next` value of a previous page' })
  cursor?: string;
}

export class EquityQueryDto extends PageQueryDto {
  @MaxPointsParam('equity curve')
  max_points?: number;
}

export class ListBacktestsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 3 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'model_id must be a positive integer' })
  @Min(1, { message: 'model_id must be a positive integer' })
  model_id?: number;

  @ApiPropertyOptional({ example: 'BTCUSDT' })
  @IsOptional()
  @Matches(SYMBOL_PATTERN, { message: `symbol must match ${SYMBOL_PATTERN.source}` })
  symbol?: string;

  @ApiPropertyOptional({ example: '1h', enum: BINANCE_INTERVALS })
  @IsOptional()
  @IsIn(BINANCE_INTERVALS, { message: `interval must be one of ${BINANCE_INTERVALS.join(', ')}` })
  interval?: string;
}
