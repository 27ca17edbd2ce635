import { ApiProperty } from '@nestjs/swagger';
import { IsNotBefore, IsTimeParam } from '../../common/time-param';

export class PredictRangeBodyDto {
  @ApiProperty({ type: String, example: '2024-09-01T00:00:00Z', description: 'First candle open time: ISO-8601 or epoch ms' })
  @IsTimeParam()
  start!: number;

  @ApiProperty({ type: String, example: '2024-09-22T05:00:00Z', description: 'Last candle open time, inclusive' })
  @IsTimeParam()
  @IsNotBefore('start', { message: 'end must not be before start' })
  end!: number;
}
