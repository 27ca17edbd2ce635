import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { IsNotBefore, IsTimeParam } from '../../common/time-param';
import { SymbolIntervalQueryDto } from '../../market-data/dto/kline-query.dto';

export const MAX_PREDICTIONS_PER_PAGE = 5000;

export class PredictionQueryDto extends SymbolIntervalQueryDto {
  @ApiPropertyOptional({ type: String, example: '2024-09-01T00:00:00Z', description: 'Earliest candle open time: ISO-8601 or epoch ms' })
  @IsOptional()
  @IsTimeParam()
  start?: number;

  @ApiPropertyOptional({ type: String, example: '2024-09-22T05:00:00Z', description: 'Latest candle open time, inclusive' })
  @IsOptional()
  @IsTimeParam()
  @IsNotBefore('start', { message: 'end must not be before start' })
  end?: number;

  @ApiPropertyOptional({ description: 'Only predictions of this model' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'model_id must be a positive integer' })
  @Min(1, { message: 'model_id must be a positive integer' })
  model_id?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PREDICTIONS_PER_PAGE, default: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `limit must be an integer from 1 to ${MAX_PREDICTIONS_PER_PAGE}` })
  @Min(1, { message: `limit must be an integer from 1 to ${MAX_PREDICTIONS_PER_PAGE}` })
  @Max(MAX_PREDICTIONS_PER_PAGE, { message: `limit must be an integer from 1 to ${MAX_PREDICTIONS_PER_PAGE}` })
  limit = 1000;

  @ApiPropertyOptional({ description: 'The `next` value of the previous page', example: '1725148800000-3' })
  @IsOptional()
  @Matches(/^\d{1,15}-\d{1,15}$/, { message: 'cursor must be the `next` value of a previous page' })
  cursor?: string;
}
