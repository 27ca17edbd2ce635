export { BackgroundJobRunner, type JobHandler, type JobRunnerSettings } from './background-job-runner';
export { BackgroundJobs, JOB_RETRY_AFTER_SECONDS, JOB_SETTING_DEFAULTS, type JobKind, type JobSettings, jobSettings } from './background-jobs.service';
export { JobLease, JobLeaseLost } from './job-lease';
export { ApiJobQueueFull, JobQueueFullError, JobQueueFullFilter } from './job-queue-full.error';
export { type JobTable, type JobTableSpec, SqlJobTable } from './job-table';
export { JobsModule } from './jobs.module';
