import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MulterModule } from '@nestjs/platform-express';
import { IMPORT_LIMITS, readImportLimits } from './archive/import-limits';
import { KlineImportService } from './archive/kline-import.service';
import { KnownGapRepository } from './known-gap.repository';
import { KlineRepository } from './kline.repository';
import { KlinesController } from './klines.controller';
import { KlinesService } from './klines.service';

@Module({
  imports: [
    // The import route's upload: where files wait and how large and how many they may be (IMPORT_* variables).
    MulterModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const limits = readImportLimits(config);
        return { dest: limits.uploadDir, limits: { fileSize: limits.maxUploadBytes, files: limits.maxFiles } };
      },
    }),
  ],
  controllers: [KlinesController],
  providers: [
    KlineRepository,
    KnownGapRepository,
    KlinesService,
    KlineImportService,
    { provide: IMPORT_LIMITS, inject: [ConfigService], useFactory: readImportLimits },
  ],
  exports: [KlineRepository, KnownGapRepository, KlinesService, KlineImportService],
})
export class MarketDataModule {}
