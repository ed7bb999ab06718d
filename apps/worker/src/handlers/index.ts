import type { AnalysisLimits } from '../analysis/profile-dataset';
import type { WatermarkLimits } from '../watermark/render-watermark';
import { analysisHandler } from './analysis';
import type { HandlerRegistry } from './handler';
import { watermarkHandler } from './watermark';

export interface HandlerOptions {
  watermark: WatermarkLimits;
  analysis: AnalysisLimits;
}

/** task_type → handler. A type without a handler here is not consumed. */
export function createHandlers(options: HandlerOptions): HandlerRegistry {
  return {
    watermark: watermarkHandler(options.watermark),
    analysis: analysisHandler(options.analysis),
  };
}
