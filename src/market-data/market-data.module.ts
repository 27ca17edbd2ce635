import { Module } from '@nestjs/common';
import { KlineImportService } from './archive/kline-import.service';
import { KlineRepository } from './kline.repository';
import { KlinesController } from './klines.controller';
import { KlinesService } from './klines.service';

@Module({
  controllers: [KlinesController],
  providers: [KlineRepository, KlinesService, KlineImportService],
  exports: [KlineRepository, KlinesService, KlineImportService],
})
export class MarketDataModule {}
