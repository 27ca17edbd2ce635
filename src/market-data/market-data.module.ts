import { Module } from '@nestjs/common';
import { KlineImportService } from './archive/kline-import.service';
import { KnownGapRepository } from './known-gap.repository';
import { KlineRepository } from './kline.repository';
import { KlinesController } from './klines.controller';
import { KlinesService } from './klines.service';

@Module({
  controllers: [KlinesController],
  providers: [KlineRepository, KnownGapRepository, KlinesService, KlineImportService],
  exports: [KlineRepository, KnownGapRepository, KlinesService, KlineImportService],
})
export class MarketDataModule {}
