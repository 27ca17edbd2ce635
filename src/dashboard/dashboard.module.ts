import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DashboardController } from './dashboard.controller';
import { DashboardSourcesService } from './dashboard-sources.service';

/**
 * The built-in dashboard: the page at / (static files, see dashboard-assets.ts, mounted by configureApp) and
 * GET /api/dashboard/sources, which tells the page which optional read endpoints exist and when retraining runs next.
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [DashboardController],
  providers: [DashboardSourcesService],
})
export class DashboardModule {}
