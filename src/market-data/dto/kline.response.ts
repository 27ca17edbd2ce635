import { ApiProperty } from '@nestjs/swagger';

export class KlineResponse {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ example: 'BTCUSDT' }) symbol!: string;
  @ApiProperty({ example: '1h' }) interval!: string;
  @ApiProperty({ example: 1704067200000, description: 'Open time, epoch ms (UTC)' }) open_time!: number;
  @ApiProperty({ example: 1704070799999, description: 'Close time, epoch ms (UTC)' }) close_time!: number;
  @ApiProperty({ example: '42283.58000000', description: 'Decimal string, eight decimals as Binance writes it' })
  open_price!: string;
  @ApiProperty({ example: '42554.57000000' }) high_price!: string;
  @ApiProperty({ example: '42261.02000000' }) low_price!: string;
  @ApiProperty({ example: '42475.23000000' }) close_price!: string;
  @ApiProperty({ example: '1271.68108000', description: 'Base-asset volume' }) volume!: string;
  @ApiProperty({ example: '53957050.61940270' }) quote_asset_volume!: string;
  @ApiProperty({ example: 47134 }) number_of_trades!: number;
  @ApiProperty({ example: '682.57581000' }) taker_buy_base_volume!: string;
  @ApiProperty({ example: '28957442.67549500' }) taker_buy_quote_volume!: string;
  @ApiProperty({ example: '2024-01-01T00:00:00.000Z' }) kline_open_time_parsed!: string;
  @ApiProperty({ example: '2024-01-01T00:59:59.999Z' }) kline_close_time_parsed!: string;
}

export class KlinePageResponse {
  @ApiProperty({ type: [KlineResponse] }) data!: KlineResponse[];
  @ApiProperty({
    type: String,
    nullable: true,
    example: '1705867200000',
    description: 'Pass as `cursor` to get the next page; null when this page reaches the end of the range',
  })
  next!: string | null;
}

export class GapResponse {
  @ApiProperty({ example: 1679659200000, description: 'First missing open time, epoch ms' }) from!: number;
  @ApiProperty({ example: 1679662800000, description: 'Last missing open time, epoch ms' }) to!: number;
  @ApiProperty({ example: 2, description: 'Number of missing candles' }) missing!: number;
  @ApiProperty({ example: '2023-03-24T12:00:00.000Z' }) from_iso!: string;
  @ApiProperty({ example: '2023-03-24T13:00:00.000Z' }) to_iso!: string;
  @ApiProperty({
    example: true,
    description: 'A known gap: Binance answered a request for exactly this range with no candle (the exchange was down)',
  })
  known!: boolean;
}

export class CoverageResponse {
  @ApiProperty({ example: 'BTCUSDT' }) symbol!: string;
  @ApiProperty({ example: '1h' }) interval!: string;
  @ApiProperty({ example: 60644 }) count!: number;
  @ApiProperty({ type: Number, nullable: true, example: 1502942400000 }) first_open_time!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 1785081600000 }) last_open_time!: number | null;
  @ApiProperty({ type: String, nullable: true }) first_open_time_iso!: string | null;
  @ApiProperty({ type: String, nullable: true }) last_open_time_iso!: string | null;
  @ApiProperty({ example: 17729, description: 'Candles missing between the first and the last stored one' })
  missing!: number;
  @ApiProperty({ example: 17729, description: 'Of `missing`, the candles in known gaps (Binance has none to give)' })
  known_missing!: number;
  @ApiProperty({ type: [GapResponse], description: 'Runs of missing candles; gaps are reported, never filled' })
  gaps!: GapResponse[];
}

export class StoredPairResponse {
  @ApiProperty({ example: 'BTCUSDT' }) symbol!: string;
  @ApiProperty({ example: '1h' }) interval!: string;
  @ApiProperty({ example: 60644 }) count!: number;
  @ApiProperty({ example: 1502942400000 }) first_open_time!: number;
  @ApiProperty({ example: 1785081600000 }) last_open_time!: number;
  @ApiProperty({ example: '2017-08-17T04:00:00.000Z' }) first_open_time_iso!: string;
  @ApiProperty({ example: '2026-07-26T16:00:00.000Z' }) last_open_time_iso!: string;
}

export class ProblemResponse {
  @ApiProperty({ example: 12 }) line!: number;
  @ApiProperty({ required: false, example: 'BTCUSDT-1h-2024-01.csv' }) entry?: string;
  @ApiProperty({ example: 'low is above high' }) reason!: string;
}

export class FileImportResponse {
  @ApiProperty({ example: 'BTCUSDT-1h-2024-01.zip' }) file!: string;
  @ApiProperty({ type: String, nullable: true }) symbol!: string | null;
  @ApiProperty({ type: String, nullable: true }) interval!: string | null;
  @ApiProperty({ enum: ['imported', 'rejected'] }) status!: 'imported' | 'rejected';
  @ApiProperty({ description: 'Candles read and written' }) klines!: number;
  @ApiProperty({ description: 'Candles not stored before this import' }) inserted!: number;
  @ApiProperty({ type: Number, nullable: true }) first_open_time!: number | null;
  @ApiProperty({ type: Number, nullable: true }) last_open_time!: number | null;
  @ApiProperty({ type: [ProblemResponse], description: 'Binance anomalies not stored (first 50)' }) skipped!: ProblemResponse[];
  @ApiProperty() skipped_count!: number;
  @ApiProperty({ type: [ProblemResponse], description: 'Why the file was rejected (first 50)' }) errors!: ProblemResponse[];
  @ApiProperty() error_count!: number;
}

export class ImportResponse {
  @ApiProperty({ type: [FileImportResponse] }) files!: FileImportResponse[];
  @ApiProperty() imported_files!: number;
  @ApiProperty() rejected_files!: number;
}
