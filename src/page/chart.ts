// A chart as the pages embed it: a Vega-Lite spec with its title and a sentence on how to read it.

export type VegaLiteSpec = Record<string, unknown>;

export interface Chart {
  /** Used for the chart's element id: letters, digits and dashes. */
  readonly id: string;
  readonly title: string;
  /** One or two sentences under the chart: what it shows and how to read it. */
  readonly description: string;
  readonly spec: VegaLiteSpec;
}
