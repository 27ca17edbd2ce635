import { Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { RETRAIN_JOB } from '../modelling/modelling.scheduler';

/**
 * Read endpoints the page uses that other modules may or may not serve in a given build. The page asks here first so
 * it never requests a route that does not exist (a 404 is a console error in the browser).
 */
export const OPTIONAL_SOURCES = {
  trading: ['GET trading/status', 'GET trading/equity'],
  backtests: ['GET backtests', 'GET backtests/:param/equity'],
  indexing: ['GET indexing/status'],
} as const;

export type OptionalSource = keyof typeof OPTIONAL_SOURCES;

export interface RetrainSchedule {
  cron: string;
  next_at: number | null;
  next_at_iso: string | null;
}

export interface DashboardSources {
  sources: Record<OptionalSource, boolean>;
  retrain: RetrainSchedule | null;
}

const normalise = (path: string) =>
  path
    .split('/')
    .filter((part) => part !== '')
    .map((part) => (part.startsWith(':') ? ':param' : part))
    .join('/');

const pathsOf = (metadata: unknown): string[] => {
  if (Array.isArray(metadata)) return metadata.filter((p): p is string => typeof p === 'string');
  return typeof metadata === 'string' ? [metadata] : [''];
};

/** Which optional read endpoints this app serves (from the registered controllers) and when retraining runs next. */
@Injectable()
export class DashboardSourcesService {
  private routes: Set<string> | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly scheduler: SchedulerRegistry,
    private readonly config: ConfigService,
  ) {}

  describe(now = Date.now()): DashboardSources {
    const routes = (this.routes ??= this.collectRoutes());
    const sources = Object.fromEntries(
      Object.entries(OPTIONAL_SOURCES).map(([name, needed]) => [name, needed.every((route) => routes.has(route))]),
    ) as Record<OptionalSource, boolean>;
    return { sources, retrain: this.retrainSchedule(now) };
  }

  /** Every `METHOD path` of the app's controllers (without the global prefix), parameters written `:param`. */
  private collectRoutes(): Set<string> {
    const routes = new Set<string>();
    for (const wrapper of this.discovery.getControllers()) {
      const metatype = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!metatype || !wrapper.instance) continue;
      const prefixes = pathsOf(Reflect.getMetadata(PATH_METADATA, metatype));
      const prototype = Object.getPrototypeOf(wrapper.instance) as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function') continue;
        const methodPaths: unknown = Reflect.getMetadata(PATH_METADATA, handler);
        if (methodPaths === undefined) continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const verb = RequestMethod[method ?? RequestMethod.GET];
        for (const prefix of prefixes) {
          for (const path of pathsOf(methodPaths)) routes.add(`${verb} ${normalise(`${prefix}/${path}`)}`);
        }
      }
    }
    return routes;
  }

  private retrainSchedule(now: number): RetrainSchedule | null {
    const cron = this.config.get<string>('MODEL_RETRAIN_CRON');
    if (!cron) return null;
    let next: number | null = null;
    if (this.scheduler.doesExist('cron', RETRAIN_JOB)) {
      const millis = this.scheduler.getCronJob(RETRAIN_JOB).nextDate().toMillis();
      next = Number.isFinite(millis) && millis >= now - 1000 ? millis : null;
    }
    return { cron, next_at: next, next_at_iso: next === null ? null : new Date(next).toISOString() };
  }
}
