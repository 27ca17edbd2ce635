import { Module } from '@nestjs/common';
import { BackgroundJobs } from './background-jobs.service';

/** Background jobs claimed through the database (see README.md in this folder). Imported by each module that runs jobs. */
@Module({
  providers: [BackgroundJobs],
  exports: [BackgroundJobs],
})
export class JobsModule {}
