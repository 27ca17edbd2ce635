import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsNotBefore, IsTimeParam } from '../../common/time-param';
import { SymbolIntervalQueryDto } from '../../market-data/dto/kline-query.dto';

/** Symbol and interval under the same rules as every market-data query. */
export class BackfillBodyDto extends SymbolIntervalQueryDto {
  @ApiProperty({
    description: 'Earliest open time, inclusive: ISO-8601 (UTC when no zone is given) or epoch milliseconds',
    example: '2017-08-17T00:00:00Z',
    type: String,
  })
  @IsTimeParam()
  start!: number;

  @ApiPropertyOptional({
    description: 'Latest open time, inclusive: ISO-8601 or epoch milliseconds. Default and upper bound: the last closed candle',
    example: '2024-01-01T00:00:00Z',
    type: String,
  })
  @IsOptional()
  @IsTimeParam()
  @IsNotBefore('start', { message: 'end must not be before start' })
  end?: number;
}
