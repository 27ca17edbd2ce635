import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { BINANCE_INTERVALS, type BinanceInterval } from '../binance-interval';
import { SYMBOL_PATTERN } from '../kline-record';

export class ImportKlinesBodyDto {
  @ApiPropertyOptional({ example: 'BTCUSDT', description: 'Defaults to the symbol in a Binance archive file name' })
  @IsOptional()
  @Matches(SYMBOL_PATTERN, { message: `symbol must match ${SYMBOL_PATTERN.source} (upper-case Binance symbol such as BTCUSDT)` })
  symbol?: string;

  @ApiPropertyOptional({ example: '1h', enum: BINANCE_INTERVALS, description: 'Defaults to the interval in the file name' })
  @IsOptional()
  @IsIn(BINANCE_INTERVALS, { message: `interval must be one of Binance's intervals: ${BINANCE_INTERVALS.join(', ')}` })
  interval?: BinanceInterval;
}
