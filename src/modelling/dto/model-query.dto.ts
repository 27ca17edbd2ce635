import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { BINANCE_INTERVALS } from '../../market-data/binance-interval';
import { SYMBOL_PATTERN } from '../../market-data/kline-record';
import { MODEL_STATUSES, type ModelStatus } from '../model.entity';

export class ListModelsQueryDto {
  @ApiPropertyOptional({ example: 'BTCUSDT' })
  @IsOptional()
  @Matches(SYMBOL_PATTERN, { message: `symbol must match ${SYMBOL_PATTERN.source}` })
  symbol?: string;

  @ApiPropertyOptional({ example: '1h', enum: BINANCE_INTERVALS })
  @IsOptional()
  @IsIn(BINANCE_INTERVALS, { message: `interval must be one of ${BINANCE_INTERVALS.join(', ')}` })
  interval?: string;

  @ApiPropertyOptional({ enum: MODEL_STATUSES })
  @IsOptional()
  @IsIn(MODEL_STATUSES, { message: `status must be one of ${MODEL_STATUSES.join(', ')}` })
  status?: ModelStatus;
}
