import { ApiProperty } from '@nestjs/swagger';

export class PredictionResponse {
  @ApiProperty({ example: 7 }) model_id!: number;
  @ApiProperty({ example: 'BTCUSDT' }) symbol!: string;
  @ApiProperty({ example: '1h' }) interval!: string;
  @ApiProperty({ example: 1726981200000, description: 'Open time of the decision candle; the decision is taken at its close' }) open_time!: number;
  @ApiProperty({ example: '2024-09-22T05:00:00.000Z' }) open_time_iso!: string;
  @ApiProperty({ enum: ['SELL', 'HOLD', 'BUY'], example: 'BUY', description: "The trees' majority vote" }) signal!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: { SELL: 0.44, BUY: 0.56 },
    description: 'Share of tree votes per class (HOLD only for 3-class models)',
  })
  probabilities!: Record<string, number>;
  @ApiProperty({ example: '9f2c…', description: 'sha256 of the canonical feature vector (feature-set version, names, IEEE-754 bits)' })
  feature_hash!: string;
  @ApiProperty({ example: 1732528800000, description: 'When the prediction was first written, epoch ms' }) created_at!: number;
}

export class PredictionPageResponse {
  @ApiProperty({ type: [PredictionResponse] }) data!: PredictionResponse[];
  @ApiProperty({ type: String, nullable: true, example: '1726984800000-7', description: 'Pass as `cursor` for the next page; null at the end' })
  next!: string | null;
}

export class PredictRangeResponse {
  @ApiProperty({ example: 7 }) model_id!: number;
  @ApiProperty({ example: 'BTCUSDT' }) symbol!: string;
  @ApiProperty({ example: '1h' }) interval!: string;
  @ApiProperty() start!: number;
  @ApiProperty() end!: number;
  @ApiProperty({ description: 'Stored candles in [start, end]' }) candles!: number;
  @ApiProperty({ description: 'Predictions written (inserted, or rewritten with the same values)' }) written!: number;
  @ApiProperty({ description: 'Candles without a complete, gap-free 100-candle look-back: no prediction' }) skipped_incomplete_window!: number;
  @ApiProperty() skipped_non_finite!: number;
  @ApiProperty({ type: Number, nullable: true }) first_open_time!: number | null;
  @ApiProperty({ type: Number, nullable: true }) last_open_time!: number | null;
}
